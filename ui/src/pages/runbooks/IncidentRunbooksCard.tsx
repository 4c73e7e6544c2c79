// On an incident: suggested runbooks, "Start run", and the runs attached to it.
export function IncidentRunbooksCard(_props: { incidentId: string }) {
  return null;
}
