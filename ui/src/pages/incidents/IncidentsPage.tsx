import { PageHeader } from '../../components/ui';

export function IncidentsPage() {
  return <PageHeader title="Incidents" />;
}
