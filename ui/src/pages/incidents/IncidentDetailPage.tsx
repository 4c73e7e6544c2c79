import { PageHeader } from '../../components/ui';

export function IncidentDetailPage() {
  return <PageHeader title="Incident" />;
}
