// On an alert: the runbooks that apply (explicit label/annotation or lookup rules), with "Start run".
export function AlertRunbooksCard(_props: { alertId: string }) {
  return null;
}
