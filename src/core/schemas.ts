import { FormatRegistry, Type, type TSchema } from '@sinclair/typebox';

/** Shared building blocks for request/response schemas (validation and OpenAPI come from these). */

const EMAIL_RE = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;
FormatRegistry.Set('email', (v) => v.length <= 254 && EMAIL_RE.test(v));
FormatRegistry.Set('timezone', (v) => isTimeZone(v));
FormatRegistry.Set('uri', (v) => {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
});
FormatRegistry.Set('date-time', (v) => !Number.isNaN(Date.parse(v)) && /^\d{4}-\d{2}-\d{2}T/.test(v));

const tzCache = new Map<string, boolean>();
export function isTimeZone(v: string): boolean {
  let ok = tzCache.get(v);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: v });
      ok = v.length <= 64;
    } catch {
      ok = false;
    }
    if (tzCache.size < 1000) tzCache.set(v, ok);
  }
  return ok;
}

// Lookups take "id or slug" and treat UUID-shaped input as an id, so a UUID-shaped slug could be
// created but never found by its slug again: the pattern refuses it.
export const Slug = Type.String({
  pattern: '^(?![0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$)[a-z0-9][a-z0-9-]{0,62}$',
  description: 'Lowercase letters, digits and dashes; starts with a letter or digit; at most 63 characters; not shaped like a UUID',
});
export const Email = Type.String({ format: 'email', maxLength: 254 });
export const TimeZone = Type.String({ format: 'timezone', description: 'IANA time zone, e.g. Europe/Lisbon' });
export const Name = Type.String({ minLength: 1, maxLength: 200 });
export const Description = Type.String({ maxLength: 10_000 });
export const Id = Type.String({ format: 'uuid' });
export const Timestamp = Type.String({ format: 'date-time' });
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const PageQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: true },
);

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    data: Type.Array(item),
    next_cursor: Nullable(Type.String({ description: 'Pass as `cursor` to get the next page; null on the last page' })),
  });

FormatRegistry.Set('uuid', (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v));
