// On an incident: its postmortem (or "Start postmortem") and open action items from earlier incidents on the same services ("we said we'd fix this").
export function IncidentFollowUpCard(_props: { incidentId: string }) {
  return null;
}
