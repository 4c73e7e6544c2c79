import { PageHeader } from '../../components/ui';

export function PostmortemsPage() {
  return <PageHeader title="Postmortems" />;
}
