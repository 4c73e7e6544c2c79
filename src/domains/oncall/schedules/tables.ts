/** Tables of this module: schedules, layers, overrides and calendar feed tokens. Composed into Database in src/db/schema.ts. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ScheduleTables {}
