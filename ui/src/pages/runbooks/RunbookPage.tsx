import { PageHeader } from '../../components/ui';

export function RunbookPage() {
  return <PageHeader title="Runbook" />;
}
