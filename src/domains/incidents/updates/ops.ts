import type { Static } from '@sinclair/typebox';
import type { Ctx } from '../../../core/context.js';
import type { Uow } from '../../../core/uow.js';
import { diff, entry } from '../../ops/diff.js';
import type { ChangeEntryT } from '../../ops/schema.js';
import type { OpsSection } from '../../ops/sections.js';
import { createTemplateIn, findTemplateRow, TemplateCreate, templateDto, updateTemplateIn } from './templates.js';

/**
 * `communication_templates:` in the ops document, one item per template, matched by slug:
 *   - slug: external-investigating
 *     name: Investigating (customer-facing)
 *     audience: external
 *     statuses: [investigating]
 *     body: "We are investigating problems with {{services}}. Next update by {{next_update}}."
 * Omitted severities/statuses mean "any"; templates not in the document are left alone.
 */
type Item = Static<typeof TemplateCreate>;

async function applyTemplates(uow: Uow, items: Item[]): Promise<ChangeEntryT[]> {
  const out: ChangeEntryT[] = [];
  for (const [i, t] of items.entries()) {
    const path = `/document/communication_templates/${i}`;
    const row = await findTemplateRow(uow.db, t.slug);
    if (!row) {
      await createTemplateIn(uow, t, path);
      out.push(entry('communication_template', t.slug, false, {}));
      continue;
    }
    const cur = templateDto(row);
    const desired = { name: t.name, audience: t.audience, severities: t.severities ?? [], statuses: t.statuses ?? [], body: t.body };
    const changes = diff({ name: cur.name, audience: cur.audience, severities: cur.severities, statuses: cur.statuses, body: cur.body }, desired);
    if (Object.keys(changes).length) await updateTemplateIn(uow, row.id, desired, path);
    out.push(entry('communication_template', t.slug, true, changes));
  }
  return out;
}

async function exportTemplates(ctx: Ctx): Promise<Item[]> {
  const rows = await ctx.deps.db.selectFrom('communication_templates').selectAll().orderBy('slug').execute();
  return rows.map((r) => {
    const t = templateDto(r);
    return {
      slug: t.slug,
      name: t.name,
      audience: t.audience,
      ...(t.severities.length ? { severities: t.severities } : {}),
      ...(t.statuses.length ? { statuses: t.statuses as Item['statuses'] } : {}),
      body: t.body,
    };
  });
}

/** Communication templates as a section of the `ballast apply` document. */
export const incidentUpdateOpsSections: OpsSection[] = [
  {
    key: 'communication_templates',
    item: TemplateCreate,
    keyOf: (item: Item) => item.slug,
    apply: (uow, items) => applyTemplates(uow, items as Item[]),
    export: exportTemplates,
  },
];
