// On an incident: walk a decision tree recorded on the incident, and past walks.
export function IncidentTreeCard(_props: { incidentId: string }) {
  return null;
}
