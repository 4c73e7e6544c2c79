import crypto from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import type { Actor } from '../../core/actor.js';
import { isPrivileged } from '../../core/actor.js';
import type { Ctx, Tx } from '../../core/context.js';
import { errors } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { Id, Timestamp } from '../../core/schemas.js';
import { iso } from '../../core/time.js';
import { transaction, type Uow } from '../../core/uow.js';
import { validate } from '../../core/validate.js';
import { requireSignedIn } from '../accounts/authz.js';
import { findUserRow } from '../accounts/users.js';
import type { UsersTable } from '../../db/schema.js';
import type { ContactMethodsTable, ContactType, NotificationRulesTable } from './tables.js';

export const CONTACT_TYPES = ['email', 'webhook', 'slack', 'teams', 'sms', 'voice'] as const satisfies readonly ContactType[];
export const URGENCY_LEVELS = ['high', 'low'] as const;

export const ContactMethod = Type.Object({
  id: Id,
  user_id: Id,
  type: Type.Union(CONTACT_TYPES.map((t) => Type.Literal(t))),
  address: Type.String({ description: 'Email address, webhook URL or E.164 phone number' }),
  label: Type.String(),
  verified: Type.Boolean(),
  signing_secret: Type.Optional(Type.String({ description: 'Webhooks only, returned once at creation: HMAC key of X-Ballast-Signature' })),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type ContactMethodDto = Static<typeof ContactMethod>;

export const ContactMethodCreate = Type.Object(
  {
    type: Type.Union(CONTACT_TYPES.map((t) => Type.Literal(t))),
    address: Type.String({ minLength: 1, maxLength: 2000 }),
    label: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export const ContactMethodUpdate = Type.Object(
  { address: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })), label: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);

export const NotificationRule = Type.Object({
  id: Id,
  user_id: Id,
  contact_method_id: Id,
  urgency: Type.Union(URGENCY_LEVELS.map((u) => Type.Literal(u))),
  delay_minutes: Type.Integer(),
  created_at: Timestamp,
});
export const NotificationRuleCreate = Type.Object(
  {
    contact_method_id: Id,
    urgency: Type.Union(URGENCY_LEVELS.map((u) => Type.Literal(u))),
    delay_minutes: Type.Integer({ minimum: 0, maximum: 1440 }),
  },
  { additionalProperties: false },
);

export function cmDto(r: ContactMethodsTable, secret?: string): ContactMethodDto {
  return {
    id: r.id,
    user_id: r.user_id,
    type: r.type as ContactType,
    address: r.address,
    label: r.label,
    verified: !!r.verified,
    ...(secret ? { signing_secret: secret } : {}),
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

function ruleDto(r: NotificationRulesTable): Static<typeof NotificationRule> {
  return { id: r.id, user_id: r.user_id, contact_method_id: r.contact_method_id, urgency: r.urgency as 'high' | 'low', delay_minutes: r.delay_minutes, created_at: r.created_at };
}

/** Shows where a message went without exposing the full address (webhook URLs are credentials). */
export function maskTarget(type: string, address: string): string {
  if (type === 'email') {
    const [local = '', domain = ''] = address.split('@');
    return `${local.slice(0, 1)}***@${domain}`;
  }
  if (type === 'sms' || type === 'voice') return `${'*'.repeat(Math.max(0, address.length - 4))}${address.slice(-4)}`;
  try {
    const u = new URL(address);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '***';
  }
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const E164_RE = /^\+[1-9]\d{6,14}$/;

function checkAddress(type: ContactType, address: string): string {
  const bad = (message: string) => errors.validation([{ path: '/address', message }]);
  const a = address.trim();
  if (type === 'email') {
    if (!EMAIL_RE.test(a) || a.length > 254) throw bad('Expected an email address');
    return a.toLowerCase();
  }
  if (type === 'sms' || type === 'voice') {
    if (!E164_RE.test(a)) throw bad('Expected a phone number in E.164 form, e.g. +14155550100');
    return a;
  }
  let u: URL;
  try {
    u = new URL(a);
  } catch {
    throw bad('Expected an http(s) URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw bad('Expected an http(s) URL');
  if (u.username || u.password) throw bad('URLs with credentials are not allowed');
  return u.toString();
}

/** Users manage their own notification settings; admins (and the system) anyone's. */
export function requireSelfOrAdmin(actor: Actor, userId: string): void {
  requireSignedIn(actor);
  if (isPrivileged(actor)) return;
  if (actor.kind !== 'user' || actor.userId !== userId) throw errors.forbidden('You can only manage your own notification settings');
}

async function targetUser(uow: Uow | { db: Tx; ctx: Ctx }, idOrEmail: string): Promise<UsersTable> {
  const a = uow.ctx.actor;
  const key = idOrEmail === 'me' && a.kind === 'user' ? a.userId : idOrEmail;
  const u = await findUserRow(uow.db, key);
  if (!u) throw errors.notFound('User', idOrEmail);
  requireSelfOrAdmin(a, u.id);
  return u;
}

export async function mustFindContactMethod(uow: Uow, id: string): Promise<ContactMethodsTable> {
  const cm = await uow.db.selectFrom('contact_methods').selectAll().where('id', '=', id).executeTakeFirst();
  if (!cm) throw errors.notFound('Contact method', id);
  requireSelfOrAdmin(uow.ctx.actor, cm.user_id);
  return cm;
}

export async function listContactMethods(ctx: Ctx, userIdOrEmail: string): Promise<{ data: ContactMethodDto[] }> {
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    const u = await targetUser(uow, userIdOrEmail);
    const rows = await uow.db.selectFrom('contact_methods').selectAll().where('user_id', '=', u.id).orderBy('created_at').orderBy('id').execute();
    return { data: rows.map((r) => cmDto(r)) };
  });
}

export async function createContactMethodIn(uow: Uow, userId: string, data: Static<typeof ContactMethodCreate>): Promise<ContactMethodDto> {
  requireSelfOrAdmin(uow.ctx.actor, userId);
  const address = checkAddress(data.type, data.address);
  const count = await uow.db.selectFrom('contact_methods').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
  if (Number(count.n) >= 20) throw errors.conflict('A user can have at most 20 contact methods');
  const secret = data.type === 'webhook' ? `whsec_${crypto.randomBytes(32).toString('base64url')}` : null;
  const row: ContactMethodsTable = {
    id: newId(uow.now.getTime()),
    user_id: userId,
    type: data.type,
    address,
    label: data.label ?? data.type,
    secret,
    verified: 0,
    created_at: iso(uow.now),
    updated_at: iso(uow.now),
  };
  await uow.db.insertInto('contact_methods').values(row).execute();
  // The address can be a credential (chat webhook URLs): the audit trail keeps the masked form.
  await uow.audit({ action: 'contact_method.create', targetType: 'contact_method', targetId: row.id, after: { user_id: userId, type: row.type, target: maskTarget(row.type, address), label: row.label } });
  return cmDto(row, secret ?? undefined);
}

export async function createContactMethod(ctx: Ctx, userIdOrEmail: string, input: unknown): Promise<ContactMethodDto> {
  const data = validate(ContactMethodCreate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => createContactMethodIn(uow, (await targetUser(uow, userIdOrEmail)).id, data));
}

export async function updateContactMethod(ctx: Ctx, id: string, input: unknown): Promise<ContactMethodDto> {
  const data = validate(ContactMethodUpdate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    const cm = await mustFindContactMethod(uow, id);
    const next = { ...cm };
    if (data.address !== undefined) {
      next.address = checkAddress(cm.type as ContactType, data.address);
      if (next.address !== cm.address) next.verified = 0;
    }
    if (data.label !== undefined) next.label = data.label;
    next.updated_at = iso(uow.now);
    await uow.db.updateTable('contact_methods').set({ address: next.address, label: next.label, verified: next.verified, updated_at: next.updated_at }).where('id', '=', id).execute();
    await uow.audit({
      action: 'contact_method.update',
      targetType: 'contact_method',
      targetId: id,
      before: { target: maskTarget(cm.type, cm.address), label: cm.label },
      after: { target: maskTarget(cm.type, next.address), label: next.label },
    });
    return cmDto(next);
  });
}

export async function deleteContactMethod(ctx: Ctx, id: string): Promise<void> {
  requireSignedIn(ctx.actor);
  await transaction(ctx, async (uow) => {
    const cm = await mustFindContactMethod(uow, id);
    await uow.db.deleteFrom('notification_rules').where('contact_method_id', '=', id).execute();
    await uow.db.updateTable('notifications').set({ contact_method_id: null }).where('contact_method_id', '=', id).execute();
    await uow.db.deleteFrom('contact_methods').where('id', '=', id).execute();
    await uow.audit({ action: 'contact_method.delete', targetType: 'contact_method', targetId: id, before: { user_id: cm.user_id, type: cm.type, target: maskTarget(cm.type, cm.address) } });
  });
}

export async function listNotificationRules(ctx: Ctx, userIdOrEmail: string) {
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    const u = await targetUser(uow, userIdOrEmail);
    const rows = await uow.db.selectFrom('notification_rules').selectAll().where('user_id', '=', u.id).orderBy('urgency').orderBy('delay_minutes').orderBy('id').execute();
    return { data: rows.map(ruleDto) };
  });
}

export async function createNotificationRule(ctx: Ctx, userIdOrEmail: string, input: unknown) {
  const data = validate(NotificationRuleCreate, input);
  requireSignedIn(ctx.actor);
  return transaction(ctx, async (uow) => {
    const u = await targetUser(uow, userIdOrEmail);
    const cm = await uow.db.selectFrom('contact_methods').select(['id', 'user_id']).where('id', '=', data.contact_method_id).executeTakeFirst();
    if (!cm || cm.user_id !== u.id) throw errors.validation([{ path: '/contact_method_id', message: 'Not one of this user’s contact methods' }]);
    const row: NotificationRulesTable = {
      id: newId(uow.now.getTime()),
      user_id: u.id,
      contact_method_id: cm.id,
      urgency: data.urgency,
      delay_minutes: data.delay_minutes,
      created_at: iso(uow.now),
    };
    await uow.db.insertInto('notification_rules').values(row).execute();
    await uow.audit({ action: 'notification_rule.create', targetType: 'notification_rule', targetId: row.id, after: ruleDto(row) });
    return ruleDto(row);
  });
}

export async function deleteNotificationRule(ctx: Ctx, id: string): Promise<void> {
  requireSignedIn(ctx.actor);
  await transaction(ctx, async (uow) => {
    const rule = await uow.db.selectFrom('notification_rules').selectAll().where('id', '=', id).executeTakeFirst();
    if (!rule) throw errors.notFound('Notification rule', id);
    requireSelfOrAdmin(uow.ctx.actor, rule.user_id);
    await uow.db.deleteFrom('notification_rules').where('id', '=', id).execute();
    await uow.audit({ action: 'notification_rule.delete', targetType: 'notification_rule', targetId: id, before: ruleDto(rule) });
  });
}
