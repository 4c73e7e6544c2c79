/** Tables of this module. Composed into Database in src/db/schema.ts. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface RunbookRunTables {}
