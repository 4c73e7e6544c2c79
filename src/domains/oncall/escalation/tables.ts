import type { Iso, JsonText } from '../../../db/schema.js';

/** Tables of this module: escalation policies, their levels, and running escalations. Composed into Database in src/db/schema.ts. */
export interface EscalationTables {
  escalation_policies: {
    id: string;
    slug: string;
    name: string;
    description: string;
    team_id: string;
    /** How many times the whole policy repeats after the last level (0–9). */
    repeat: number;
    /** JSON: [{ delay_minutes, targets: [{ type: 'user' | 'schedule', id }] }] */
    levels: JsonText;
    created_at: Iso;
    updated_at: Iso;
  };
  service_escalation_policies: {
    service_id: string;
    policy_id: string;
  };
  escalations: {
    id: string;
    alert_group_id: string;
    service_id: string;
    policy_id: string;
    /** Bumped on every restart (e.g. acknowledgement timeout) so steps of an older run do nothing. */
    generation: number;
    status: string;
    level: number;
    loop: number;
    next_step_at: Iso | null;
    started_at: Iso;
    updated_at: Iso;
    stop_reason: string | null;
  };
}
