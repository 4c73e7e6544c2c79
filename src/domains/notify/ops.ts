import { Type, type Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import { errors } from '../../core/errors.js';
import type { Uow } from '../../core/uow.js';
import type { Database } from '../../db/schema.js';
import { CONTACT_TYPES, createContactMethodIn } from './contacts.js';

/**
 * `users[].contact_methods` in the ops document: `{type: webhook, url: …}` or `{type: email, address: …}`
 * (`url` and `address` mean the same). Listed methods are created once; unlisted ones are left alone.
 */
export const OpsContactMethod = Type.Object(
  {
    type: Type.Union(CONTACT_TYPES.map((t) => Type.Literal(t))),
    address: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    label: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
type OpsContactMethodT = Static<typeof OpsContactMethod>;

export async function reconcileContactMethods(uow: Uow, userId: string, wanted: OpsContactMethodT[], path: string) {
  const existing = await uow.db.selectFrom('contact_methods').select(['type', 'address']).where('user_id', '=', userId).orderBy('created_at').execute();
  const added: { type: string; address: string }[] = [];
  for (const [i, m] of wanted.entries()) {
    const address = m.address ?? m.url;
    if (!address) throw errors.validation([{ path: `${path}/${i}`, message: 'Give the address (or url)' }]);
    if (existing.some((e) => e.type === m.type && e.address === address) || added.some((e) => e.type === m.type && e.address === address)) continue;
    await createContactMethodIn(uow, userId, { type: m.type, address, ...(m.label ? { label: m.label } : {}) });
    added.push({ type: m.type, address });
  }
  return added.length ? { from: existing.length, to: existing.length + added.length } : null;
}

export async function exportContactMethods(db: Kysely<Database>, userId: string): Promise<OpsContactMethodT[]> {
  const rows = await db.selectFrom('contact_methods').select(['type', 'address', 'label']).where('user_id', '=', userId).orderBy('created_at').execute();
  return rows.map((r) => ({ type: r.type as OpsContactMethodT['type'], ...(r.type === 'email' || r.type === 'sms' || r.type === 'voice' ? { address: r.address } : { url: r.address }), ...(r.label && r.label !== r.type ? { label: r.label } : {}) }));
}
