import { PageHeader } from '../../components/ui';

export function TreeEditorPage() {
  return <PageHeader title="Edit decision tree" />;
}
