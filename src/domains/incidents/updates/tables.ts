import type { Iso, JsonText } from '../../../db/schema.js';

/** Tables of the status-updates module. Composed into Database in src/db/schema.ts. */
export interface IncidentUpdateTables {
  /** Named, reusable wording for status updates (seeded with defaults; editable; in the apply YAML). */
  communication_templates: {
    id: string;
    slug: string;
    name: string;
    /** internal | external */
    audience: string;
    /** JSON array of severity keys the template fits; empty = any severity. */
    severities: JsonText;
    /** JSON array of incident statuses the template fits; empty = any status. */
    statuses: JsonText;
    /** Markdown with {{variables}}. */
    body: string;
    created_at: Iso;
    updated_at: Iso;
  };
  incident_updates: {
    id: string;
    incident_id: string;
    /** internal | external (external ones are what the status page shows). */
    audience: string;
    /** Markdown as written (rendered sanitized). */
    body: string;
    /** Template the text started from (kept as the slug: the template may be renamed or deleted later). */
    template_slug: string | null;
    /** The incident's status and severity when the update was posted. */
    status: string;
    severity: string;
    /** The promised time of the next update; null = no promise. */
    next_update_at: Iso | null;
    author_user_id: string | null;
    author_label: string;
    created_at: Iso;
  };
  /** The current promise of the next update per incident; set by declaring, posting, resolving and reopening. */
  incident_update_promises: {
    incident_id: string;
    /** null = nothing promised. */
    next_update_at: Iso | null;
    updated_at: Iso;
  };
}
