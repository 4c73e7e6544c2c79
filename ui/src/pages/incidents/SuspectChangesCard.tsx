// On an incident: change events on the affected services in the hours before it started.
export function SuspectChangesCard(_props: { incidentId: string }) {
  return null;
}
