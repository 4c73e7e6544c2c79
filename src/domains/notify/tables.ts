/** Tables of this module: contact methods, notification rules, the delivery log. Composed into Database in src/db/schema.ts. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface NotificationTables {}
