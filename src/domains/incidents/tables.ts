import type { Bool, Iso, JsonText } from '../../db/schema.js';

/** Tables of the incidents module. Composed into Database in src/db/schema.ts. */
export interface IncidentTables {
  incidents: {
    id: string;
    number: number;
    title: string;
    severity: string;
    status: string;
    summary: string;
    declared_by: string | null;
    declared_at: Iso;
    created_at: Iso;
    updated_at: Iso;
  };
  incident_services: { incident_id: string; service_id: string };
  incident_timeline: {
    id: string;
    incident_id: string;
    /** When it happened (may precede created_at, e.g. an alert that fired before the incident). */
    at: Iso;
    /** status_changed, severity_changed, role_assigned, alert_linked, page_sent, acknowledged, note, update_posted, runbook_step, … */
    kind: string;
    summary: string;
    /** Markdown (user text) for notes; empty otherwise. */
    body: string;
    data: JsonText;
    actor_user_id: string | null;
    actor_label: string;
    key_event: Bool;
    /** What the entry is about, when it is another record (runbook_run, alert_group, postmortem, …). */
    subject_type: string | null;
    subject_id: string | null;
    created_at: Iso;
  };
}
