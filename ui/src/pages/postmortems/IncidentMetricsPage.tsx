import { PageHeader } from '../../components/ui';

export function IncidentMetricsPage() {
  return <PageHeader title="Incident metrics" />;
}
