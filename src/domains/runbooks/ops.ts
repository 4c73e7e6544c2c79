import { Type, type Static } from '@sinclair/typebox';
import { SYSTEM } from '../../core/actor.js';
import type { Ctx } from '../../core/context.js';
import { Slug } from '../../core/schemas.js';
import type { Uow } from '../../core/uow.js';
import { diff, entry } from '../ops/diff.js';
import type { OpsSection } from '../ops/sections.js';
import { RunbookContent } from './content.js';
import { findRunbookRow, versionContent, versionRow } from './repo.js';
import { RunbookKind, SopSubkind, Tag } from './schemas.js';
import { createRunbookIn, loadRunbook, updateRunbookIn } from './service.js';

/**
 * `runbooks:` in the ops document, with structured steps:
 *   - slug: checkout-restart
 *     title: Restart checkout
 *     kind: incident_response
 *     team: payments
 *     services: [checkout]
 *     tags: [restart]
 *     review_cadence_days: 90
 *     content: { purpose: …, prerequisites: …, steps: [{ id, title, instruction, command, expected, on_failure }], … }
 * Applying creates a new version only when something differs; re-applying the same document is "unchanged".
 */
export const OpsRunbook = Type.Object(
  {
    slug: Slug,
    title: Type.String({ minLength: 1, maxLength: 200 }),
    kind: RunbookKind,
    subkind: Type.Optional(Type.Union([SopSubkind, Type.Null()])),
    team: Slug,
    owner: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 254 }), Type.Null()])),
    services: Type.Optional(Type.Array(Slug, { maxItems: 100 })),
    tags: Type.Optional(Type.Array(Tag, { maxItems: 50 })),
    review_cadence_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    content: RunbookContent,
  },
  { additionalProperties: false },
);
type OpsRunbookT = Static<typeof OpsRunbook>;

async function current(uow: Uow | Ctx, slug: string): Promise<OpsRunbookT | null> {
  const db = 'db' in uow ? uow.db : uow.deps.db;
  const deps = 'db' in uow ? uow.ctx.deps : uow.deps;
  const row = await findRunbookRow(db, slug);
  if (!row) return null;
  const rb = await loadRunbook(db, row.id, deps.clock.now(), deps.config.publicUrl);
  const v = await versionRow(db, row.id, row.current_version);
  return {
    slug: rb.slug,
    title: rb.title,
    kind: rb.kind,
    ...(rb.subkind ? { subkind: rb.subkind } : {}),
    team: rb.team.slug,
    ...(rb.owner ? { owner: rb.owner.email } : {}),
    services: rb.services.map((s) => s.slug),
    tags: rb.tags,
    review_cadence_days: rb.review_cadence_days,
    content: versionContent(v),
  };
}

export const runbookSection: OpsSection = {
  key: 'runbooks',
  item: OpsRunbook,
  keyOf: (item: OpsRunbookT) => item.slug,
  async apply(uow, items: OpsRunbookT[]) {
    const out = [];
    for (const item of items) {
      const cur = await current(uow, item.slug);
      if (!cur) {
        await createRunbookIn(uow, { ...item, change_note: 'Created by ballast apply' });
        out.push(entry('runbook', item.slug, false, {}));
        continue;
      }
      // Content is compared as a whole: the document owns the runbook's text.
      const changes = diff(
        { ...cur, subkind: cur.subkind ?? null, owner: cur.owner ?? null, content: JSON.stringify(cur.content) },
        { ...item, content: JSON.stringify(item.content) },
      );
      if (changes.content) changes.content = { from: `version ${(await findRunbookRow(uow.db, item.slug))!.current_version}`, to: 'new version' };
      if (Object.keys(changes).length) {
        await updateRunbookIn(uow, item.slug, {
          base_version: null,
          title: item.title,
          kind: item.kind,
          subkind: item.subkind,
          team: item.team,
          owner: item.owner,
          services: item.services,
          tags: item.tags,
          review_cadence_days: item.review_cadence_days,
          content: item.content,
          change_note: 'Updated by ballast apply',
        });
      }
      out.push(entry('runbook', item.slug, true, changes));
    }
    return out;
  },
  async export(ctx) {
    const rows = await ctx.deps.db.selectFrom('runbooks').select('slug').orderBy('slug').execute();
    const out: OpsRunbookT[] = [];
    for (const r of rows) {
      const c = await current({ ...ctx, actor: ctx.actor ?? SYSTEM }, r.slug);
      if (c) out.push(c);
    }
    return out;
  },
};

/** This module's sections of the `ballast apply` document. */
export const runbookOpsSections: OpsSection[] = [runbookSection];
