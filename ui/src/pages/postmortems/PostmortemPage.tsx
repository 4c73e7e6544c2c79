import { PageHeader } from '../../components/ui';

export function PostmortemPage() {
  return <PageHeader title="Postmortem" />;
}
