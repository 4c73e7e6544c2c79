import { sql, type Kysely } from 'kysely';

/** `transactions` times: read the highest n, then write n + 1 (a write that depends on a read). */
export async function appendMany(db: Kysely<any>, writer: string, transactions: number): Promise<void> {
  for (let i = 0; i < transactions; i++) {
    await db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ n: number | null }>`select max(n) as n from t`.execute(trx);
      await sql`insert into t (n, writer) values (${(rows[0]?.n ?? 0) + 1}, ${writer})`.execute(trx);
    });
  }
}
