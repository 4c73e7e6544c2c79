/** Tables of this module: schedules, layers, overrides and calendar feed tokens. Composed into Database in src/db/schema.ts. */

export interface SchedulesTable {
  id: string;
  slug: string;
  name: string;
  description: string;
  /** Owning team; null = administrators only. */
  team_id: string | null;
  time_zone: string;
  /** JSON: the engine's Layer[] with participants as user ids. */
  layers: string;
  /** Secret in the schedule's iCal URL. */
  feed_token: string;
  created_at: string;
  updated_at: string;
}

export interface ScheduleOverridesTable {
  id: string;
  schedule_id: string;
  user_id: string;
  start_at: string;
  end_at: string;
  created_by: string | null;
  note: string;
  created_at: string;
}

export interface UserFeedTokensTable {
  user_id: string;
  token: string;
  created_at: string;
}

export interface ScheduleTables {
  schedules: SchedulesTable;
  schedule_overrides: ScheduleOverridesTable;
  user_feed_tokens: UserFeedTokensTable;
}
