import { PageHeader } from '../../components/ui';

export function RunbookEditorPage() {
  return <PageHeader title="Edit runbook" />;
}
