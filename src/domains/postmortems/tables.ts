import type { Bool, Iso } from '../../db/schema.js';

/** Tables of this module. Composed into Database in src/db/schema.ts. */
export interface PostmortemTables {
  postmortems: {
    id: string;
    incident_id: string;
    /** draft | in_review | published */
    status: string;
    title: string;
    /** Template sections, raw Markdown each. */
    summary: string;
    impact: string;
    timeline: string;
    root_cause: string;
    went_well: string;
    went_poorly: string;
    lessons_learned: string;
    author_id: string | null;
    required: Bool;
    auto_created: Bool;
    due_at: Iso | null;
    reminded_at: Iso | null;
    submitted_at: Iso | null;
    published_at: Iso | null;
    created_at: Iso;
    updated_at: Iso;
  };
  postmortem_reviewers: { postmortem_id: string; user_id: string; added_by: string | null; added_at: Iso };
  postmortem_comments: { id: string; postmortem_id: string; author_id: string | null; author_label: string; body: string; created_at: Iso };
  action_items: {
    id: string;
    incident_id: string;
    postmortem_id: string | null;
    title: string;
    description: string;
    owner_id: string | null;
    /** YYYY-MM-DD (UTC calendar day). */
    due_date: string | null;
    /** P1 … P4 */
    priority: string;
    /** open | in_progress | done | wont_do */
    status: string;
    completed_at: Iso | null;
    reminded_due_date: string | null;
    created_by: string | null;
    created_at: Iso;
    updated_at: Iso;
  };
}
