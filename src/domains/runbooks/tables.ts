import type { Iso, JsonText } from '../../db/schema.js';

export interface RunbooksTable {
  id: string;
  slug: string;
  title: string;
  /** incident_response | sop | troubleshooting */
  kind: string;
  /** For sop: deployment | rollback | maintenance | scaling | patching. */
  subkind: string | null;
  team_id: string;
  /** A named owner to remind instead of the team's managers. */
  owner_user_id: string | null;
  /** JSON string[] */
  tags: JsonText;
  review_cadence_days: number;
  last_reviewed_at: Iso | null;
  last_reviewed_by: string | null;
  /** (last_reviewed_at ?? created_at) + cadence; stale when <= now. */
  review_due_at: Iso;
  review_reminded_for: Iso | null;
  current_version: number;
  step_count: number;
  search_text: string;
  created_by: string | null;
  created_at: Iso;
  updated_at: Iso;
}

export interface RunbookVersionsTable {
  id: string;
  runbook_id: string;
  number: number;
  title: string;
  /** RunbookContent JSON */
  content: JsonText;
  meta: JsonText;
  change_note: string;
  author_id: string | null;
  author_label: string;
  created_at: Iso;
}

export interface RunbookRulesTable {
  id: string;
  priority: number;
  service_id: string | null;
  alert_pattern: string;
  runbook_id: string;
  created_at: Iso;
  updated_at: Iso;
}

/** Tables of this module. Composed into Database in src/db/schema.ts. */
export interface RunbookTables {
  runbooks: RunbooksTable;
  runbook_services: { runbook_id: string; service_id: string };
  runbook_versions: RunbookVersionsTable;
  runbook_rules: RunbookRulesTable;
}
