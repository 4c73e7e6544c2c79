import { ApiError } from '../api';

export interface FormErrors {
  /** Message for the banner above the form. */
  message: string | null;
  /** field name (first path segment, "/links/repo" → "links.repo") → problem */
  fields: Record<string, string>;
}

export const NO_ERRORS: FormErrors = { message: null, fields: {} };

/**
 * Turns an API error into banner + per-field messages. Validation errors carry `details.fields`;
 * conflicts such as "slug already exists" carry `details.field`.
 */
export function formErrors(err: unknown): FormErrors {
  if (!(err instanceof ApiError)) return { message: err instanceof Error ? err.message : String(err), fields: {} };
  const fields: Record<string, string> = {};
  for (const f of err.fields) {
    const key = f.path.replace(/^\//, '').replace(/\//g, '.') || '_';
    fields[key] ??= friendly(f.message);
  }
  const single = (err.details as { field?: unknown } | null)?.field;
  if (typeof single === 'string') fields[single] ??= err.message;
  return { message: err.message, fields };
}

/** Field error for `name`, also matching nested paths ("links" matches "links.repo"). */
export function fieldError(errors: FormErrors, name: string): string | undefined {
  if (errors.fields[name]) return errors.fields[name];
  const nested = Object.keys(errors.fields).find((k) => k.startsWith(`${name}.`));
  return nested ? errors.fields[nested] : undefined;
}

// The API's validator speaks in schema terms; these are the messages people actually hit in forms.
const FRIENDLY: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^Expected string to match 'uri' format$/, () => 'Enter a full URL starting with http:// or https://'],
  [/^Expected string to match 'email' format$/, () => 'Enter a valid email address'],
  [/^Expected string to match 'timezone' format$/, () => 'Choose an IANA time zone, e.g. Europe/Lisbon'],
  [/^Expected string to match '\^\[a-z0-9\]\[a-z0-9-\]\{0,(\d+)\}\$'$/, (m) => `Use lowercase letters, digits and dashes (at most ${Number(m[1]) + 1} characters), starting with a letter or digit`],
  [/^Expected string length greater or equal to 1$/, () => 'Required'],
  [/^Expected string length greater or equal to (\d+)$/, (m) => `At least ${m[1]} characters`],
  [/^Expected string length less or equal to (\d+)$/, (m) => `At most ${m[1]} characters`],
];

export function friendly(message: string): string {
  for (const [re, fn] of FRIENDLY) {
    const m = message.match(re);
    if (m) return fn(m);
  }
  return message;
}
