/** Tables of this module: escalation policies, their levels, and running escalations. Composed into Database in src/db/schema.ts. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface EscalationTables {}
