import { PageHeader } from '../../components/ui';

export function TreesPage() {
  return <PageHeader title="Decision trees" />;
}
