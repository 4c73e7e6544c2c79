// On an incident: status updates (internal/external) from templates, next-update reminder, suspect changes.
export function UpdatesPanel(_props: { incidentId: string }) {
  return null;
}
