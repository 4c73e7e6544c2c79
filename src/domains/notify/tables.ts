/** Tables of this module: contact methods, notification rules, the delivery log. Composed into Database in src/db/schema.ts. */
import type { Bool, Iso } from '../../db/schema.js';

export type ContactType = 'email' | 'webhook' | 'slack' | 'teams' | 'sms' | 'voice';

export interface ContactMethodsTable {
  id: string;
  user_id: string;
  type: string;
  /** Email address, webhook URL or E.164 phone number. */
  address: string;
  label: string;
  /** Per-method HMAC secret for generic webhooks (X-Ballast-Signature); null for other types. */
  secret: string | null;
  verified: Bool;
  created_at: Iso;
  updated_at: Iso;
}

export interface NotificationRulesTable {
  id: string;
  user_id: string;
  contact_method_id: string;
  urgency: string;
  delay_minutes: number;
  created_at: Iso;
}

/** The delivery log: one row per message to one contact method (retries update it, fallover adds a row). */
export interface NotificationsTable {
  id: string;
  user_id: string;
  contact_method_id: string | null;
  channel: string;
  /** Masked address, safe to show in lists. */
  target: string;
  subject: string;
  alert_group_id: string | null;
  incident_id: string | null;
  dedupe_key: string | null;
  /** Engine job key while pending (cancellation). */
  job_key: string | null;
  /** pending | sent | failed | suppressed | cancelled */
  status: string;
  attempts: number;
  latency_ms: number | null;
  provider_status: string | null;
  provider_response: string | null;
  error: string | null;
  /** JSON array: one entry per attempt {at, latency_ms, ok, provider_status, error}. */
  history: string;
  /** For suppressed rows: the summary notification that reported them. */
  folded_into: string | null;
  created_at: Iso;
  sent_at: Iso | null;
}

export interface ServerSecretsTable {
  name: string;
  value: string;
}

export interface NotificationTables {
  contact_methods: ContactMethodsTable;
  notification_rules: NotificationRulesTable;
  notifications: NotificationsTable;
  server_secrets: ServerSecretsTable;
}
