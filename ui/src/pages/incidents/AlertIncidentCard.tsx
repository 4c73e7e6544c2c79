// On an alert: the incident its group belongs to, or "Declare incident" (promote the group).
export function AlertIncidentCard(_props: { alertId: string; groupId: string | null }) {
  return null;
}
