/** Canonical stored time format: ISO-8601 UTC with milliseconds, so text comparison is time comparison. */
export function iso(d: Date | number): string {
  return new Date(d).toISOString();
}

export function addMs(d: Date, ms: number): Date {
  return new Date(d.getTime() + ms);
}
