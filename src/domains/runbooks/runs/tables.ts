import type { Bool, Iso } from '../../../db/schema.js';

/** Tables of this module. Composed into Database in src/db/schema.ts. */
export interface RunbookRunTables {
  runbook_runs: {
    id: string;
    runbook_id: string;
    /** The version the run was started with; its steps are the run's steps. */
    runbook_version_id: string;
    version_number: number;
    /** running | success | failed | aborted */
    status: string;
    incident_id: string | null;
    alert_group_id: string | null;
    subject_type: string | null;
    subject_id: string | null;
    started_by: string | null;
    started_by_label: string;
    started_at: Iso;
    finished_at: Iso | null;
    finished_by: string | null;
    finished_by_label: string | null;
    duration_ms: number | null;
    finish_note: string;
    revision: number;
    updated_at: Iso;
  };
  /** Every mark ever made; the newest per step is the step's state. */
  runbook_run_marks: {
    id: string;
    run_id: string;
    step_id: string;
    /** done | skipped | failed */
    outcome: string;
    note: string;
    actor_user_id: string | null;
    actor_label: string;
    at: Iso;
    action_id: string | null;
  };
  /** HTTP actions attempted from steps, including the ones the SSRF guard refused. */
  runbook_run_actions: {
    id: string;
    run_id: string;
    step_id: string;
    method: string;
    url: string;
    /** succeeded | failed | refused */
    result: string;
    status_code: number | null;
    duration_ms: number;
    response_body: string;
    response_truncated: Bool;
    error: string | null;
    actor_user_id: string | null;
    actor_label: string;
    at: Iso;
  };
}
