// On a service: its open and recent incidents.
export function ServiceIncidentsCard(_props: { serviceSlug: string }) {
  return null;
}
