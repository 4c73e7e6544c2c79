import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Troubleshooting decision trees and recorded walks. A walk copies the tree's nodes when it starts,
 * so editing a tree never breaks (or rewrites) a walk in progress or one already on an incident.
 */
export async function up(db: Kysely<unknown>, _d: Dialect): Promise<void> {
  await db.schema
    .createTable('decision_trees')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('restrict'))
    .addColumn('services', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('root', 'text', (c) => c.notNull())
    .addColumn('nodes', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('decision_trees_team_idx').on('decision_trees').column('team_id').execute();

  await db.schema
    .createTable('decision_tree_walks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tree_id', 'text', (c) => c.notNull().references('decision_trees.id').onDelete('cascade'))
    .addColumn('tree_version', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('root', 'text', (c) => c.notNull())
    .addColumn('nodes', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('current_node', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('escalation', 'text')
    .addColumn('started_by', 'text')
    .addColumn('started_by_label', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .execute();
  await db.schema.createIndex('decision_tree_walks_tree_idx').on('decision_tree_walks').columns(['tree_id', 'id']).execute();
  await db.schema.createIndex('decision_tree_walks_incident_idx').on('decision_tree_walks').columns(['incident_id', 'id']).execute();
}
