import { PageHeader } from '../../components/ui';

export function ActionItemsPage() {
  return <PageHeader title="Action items" />;
}
