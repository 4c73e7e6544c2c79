// On a service: its runbooks and runbook coverage of the last 30 days' alert kinds.
export function ServiceRunbooksCard(_props: { serviceSlug: string }) {
  return null;
}
