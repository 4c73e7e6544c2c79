import type { Iso, JsonText } from '../../../db/schema.js';

/** Tables of the handoff module. Composed into Database in src/db/schema.ts. */
export interface HandoffTables {
  handoff_reports: {
    id: string;
    schedule_id: string;
    /** The shift change instant; unique per schedule, so a repeated scan never duplicates a report. */
    change_at: Iso;
    /** Start of the outgoing shift (the "last shift" the report summarises). */
    shift_start: Iso;
    from_user_id: string | null;
    to_user_id: string;
    /** Markdown, following the on-call handoff template. */
    body: string;
    /** JSON: the structured sections the body was rendered from. */
    data: JsonText;
    created_at: Iso;
  };
  handoff_notes: {
    id: string;
    schedule_id: string;
    author_id: string;
    text: string;
    created_at: Iso;
    report_id: string | null;
  };
}
