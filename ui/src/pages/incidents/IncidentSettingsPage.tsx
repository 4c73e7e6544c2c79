import { PageHeader } from '../../components/ui';

export function IncidentSettingsPage() {
  return <PageHeader title="Severities and templates" />;
}
