import { PageHeader } from '../../components/ui';

export function RunbooksPage() {
  return <PageHeader title="Runbooks" />;
}
