import { PageHeader } from '../../components/ui';

export function TreeWalkPage() {
  return <PageHeader title="Decision tree" />;
}
