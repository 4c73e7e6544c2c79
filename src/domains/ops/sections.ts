import type { TSchema } from '@sinclair/typebox';
import type { Ctx } from '../../core/context.js';
import type { Uow } from '../../core/uow.js';
import type { ChangeEntryT } from './schema.js';
import { incidentOpsSections } from '../incidents/ops.js';
import { incidentUpdateOpsSections } from '../incidents/updates/ops.js';
import { runbookOpsSections } from '../runbooks/ops.js';
import { decisionTreeOpsSections } from '../runbooks/trees/ops.js';

/**
 * A top-level list in the `ballast apply` document owned by a later module (incident severities,
 * communication templates, runbooks, decision trees). The module brings its item schema, how to
 * reconcile items by natural key inside the apply transaction, and how to export them back, so
 * `export | apply` stays a no-op without apply.ts knowing the module.
 */
export interface OpsSection {
  /** Document key, e.g. `runbooks`. */
  key: string;
  /** Schema of one item. */
  item: TSchema;
  /** Natural key of an item, for duplicate detection. */
  keyOf(item: any): string;
  /** Creates or updates the items; returns one change entry per item. Runs after teams, users, schedules, policies and services. */
  apply(uow: Uow, items: any[]): Promise<ChangeEntryT[]>;
  /** Current state as items (empty list: the key is left out of the export). */
  export(ctx: Ctx): Promise<unknown[]>;
}

export const OPS_SECTIONS: OpsSection[] = [...incidentOpsSections, ...incidentUpdateOpsSections, ...runbookOpsSections, ...decisionTreeOpsSections];
