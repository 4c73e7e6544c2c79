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
    acknowledged_at: Iso | null;
    identified_at: Iso | null;
    mitigated_at: Iso | null;
    resolved_at: Iso | null;
    ack_breached_at: Iso | null;
    mitigate_breached_at: Iso | null;
    /** Customer impact (Markdown): what was affected and who; recorded when resolving. */
    impact: string;
    users_affected: number | null;
    created_at: Iso;
    updated_at: Iso;
  };
  incident_services: { incident_id: string; service_id: string };
  /** Severity definitions (SEV1–SEV4 seeded from the seeds' table; editable per installation). */
  incident_severities: {
    key: string;
    /** 1 = most severe. */
    rank: number;
    name: string;
    description: string;
    examples: string;
    /** Response time target: time to acknowledge. */
    ack_target_minutes: number;
    mitigate_target_minutes: number | null;
    /** Promised cadence of status updates; null = no reminder. */
    update_interval_minutes: number | null;
    requires_postmortem: Bool;
    postmortem_due_business_days: number;
    updated_at: Iso;
  };
  incident_alert_groups: { incident_id: string; alert_group_id: string; linked_at: Iso };
  incident_roles: {
    id: string;
    incident_id: string;
    /** commander | communications | scribe */
    role: string;
    user_id: string;
    assigned_at: Iso;
    assigned_by: string | null;
    /** Set when handed over; the current holder has null. */
    ended_at: Iso | null;
  };
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
