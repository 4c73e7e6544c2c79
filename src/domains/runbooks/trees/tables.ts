import type { Iso, JsonText } from '../../../db/schema.js';

/** Tables of this module. Composed into Database in src/db/schema.ts. */
export interface DecisionTreeTables {
  decision_trees: {
    id: string;
    slug: string;
    title: string;
    description: string;
    team_id: string;
    /** JSON: service ids the tree is about (optional scoping, shown on the list). */
    services: JsonText;
    /** JSON: string[] */
    tags: JsonText;
    root: string;
    /** JSON: TreeNodeT[] in the written order. */
    nodes: JsonText;
    /** Bumped on every change that alters the tree; walks record the version they followed. */
    version: number;
    created_by: string | null;
    created_at: Iso;
    updated_at: Iso;
  };
  decision_tree_walks: {
    id: string;
    tree_id: string;
    tree_version: number;
    /** Snapshot of the tree's title, root and nodes when the walk started. */
    title: string;
    root: string;
    nodes: JsonText;
    /** Incident the walk is recorded on (no FK: incidents may be removed, the walk stays as history). */
    incident_id: string | null;
    /** active | completed */
    status: string;
    current_node: string;
    /** JSON: [{ node, question, answer, next, at, by }] */
    path: JsonText;
    /** JSON: { at, by, team, notified: [{id, name}], via } once the escalate leaf was performed. */
    escalation: JsonText | null;
    started_by: string | null;
    started_by_label: string;
    started_at: Iso;
    updated_at: Iso;
    completed_at: Iso | null;
  };
}
