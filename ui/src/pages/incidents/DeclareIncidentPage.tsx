import { PageHeader } from '../../components/ui';

export function DeclareIncidentPage() {
  return <PageHeader title="Declare incident" />;
}
