import { CompiledQuery, sql, type Kysely, type RawBuilder } from 'kysely';
import type { Dialect } from './dialect.js';

/**
 * Multi-row INSERT written as SQL text and run through Kysely's executor. For the ingest hot path the
 * query builder's per-value node building costs more than the database work; the text form has the
 * same statement with the same parameters, just built in one pass.
 */
export async function insertRows<T extends object>(
  db: Kysely<any>,
  dialect: Dialect,
  table: string,
  rows: T[],
  opts: { onConflictDoNothing?: string; chunk?: number } = {},
): Promise<void> {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]!);
  const colSql = cols.map((c) => `"${c}"`).join(', ');
  const suffix = opts.onConflictDoNothing ? ` on conflict ("${opts.onConflictDoNothing}") do nothing` : '';
  for (const slice of chunks(dialect, rows, opts.chunk ?? Math.floor(30_000 / cols.length))) {
    const params: unknown[] = [];
    const tuples: string[] = [];
    for (const row of slice) {
      const ph: string[] = [];
      for (const c of cols) {
        params.push((row as Record<string, unknown>)[c] ?? null);
        ph.push(dialect.placeholder(params.length));
      }
      tuples.push(`(${ph.join(', ')})`);
    }
    await db.executeQuery(CompiledQuery.raw(`insert into "${table}" (${colSql}) values ${tuples.join(', ')}${suffix}`, params));
  }
}

/**
 * Updates many rows, each with its own values, in one statement per chunk:
 * `WITH v(id, a, b) AS (VALUES …) UPDATE t SET a = v.a, b = v.b FROM v WHERE t.id = v.id`.
 * Both databases accept this form; `integerColumns` are cast because VALUES parameters arrive untyped.
 */
export async function updateRows<T extends { id: string }>(
  db: Kysely<any>,
  dialect: Dialect,
  table: string,
  columns: (keyof T & string)[],
  rows: T[],
  integerColumns: string[] = [],
): Promise<void> {
  if (rows.length === 0) return;
  const cols = ['id', ...columns.filter((c) => c !== 'id')];
  const set = cols
    .slice(1)
    .map((c) => `"${c}" = ${integerColumns.includes(c) ? `cast(v."${c}" as integer)` : `v."${c}"`}`)
    .join(', ');
  for (const slice of chunks(dialect, rows, Math.floor(30_000 / cols.length))) {
    const params: unknown[] = [];
    const tuples = slice.map((row) => {
      const ph = cols.map((c) => {
        params.push((row as Record<string, unknown>)[c] ?? null);
        return dialect.placeholder(params.length);
      });
      return `(${ph.join(', ')})`;
    });
    const colList = cols.map((c) => `"${c}"`).join(', ');
    await db.executeQuery(
      CompiledQuery.raw(`with v (${colList}) as (values ${tuples.join(', ')}) update "${table}" set ${set} from v where "${table}"."id" = v."id"`, params),
    );
  }
}

/**
 * Runs `query` once per slice of the distinct `keys` (both databases cap bound parameters per statement)
 * and concatenates the rows: the set-based form of "look each of these up".
 */
export async function whereIn<K, R>(keys: Iterable<K>, query: (part: K[]) => Promise<R[]>, size = 512): Promise<R[]> {
  const unique = [...new Set(keys)];
  const out: R[] = [];
  for (let i = 0; i < unique.length; i += size) out.push(...(await query(padded(unique.slice(i, i + size)))));
  return out;
}

/**
 * Statement texts from a small fixed set. Each distinct text is prepared once and then reused (SQLite's
 * statement cache; preparing a long statement costs more than running it), but a list of n values makes
 * a text per n. So IN lists are padded to the next power of two by repeating their last value (which
 * changes nothing), and multi-row writes go in chunks whose sizes are powers of two (on SQLite; see Dialect.bulkChunks).
 */
export function padded<T>(list: T[]): T[] {
  if (list.length < 2) return list;
  const size = 2 ** Math.ceil(Math.log2(list.length));
  return size === list.length ? list : list.concat(Array<T>(size - list.length).fill(list[list.length - 1]!));
}

/**
 * `rows` split as the dialect wants (Dialect.bulkChunks), each chunk also within `maxRows` for the
 * bound-parameter caps (SQLite 32766, PostgreSQL 65535). Power-of-two chunking takes the largest power
 * of two that fits, then smaller ones for the rest.
 */
function* chunks<T>(dialect: Dialect, rows: T[], maxRows: number): Generator<T[]> {
  const { powersOfTwo } = dialect.bulkChunks;
  const limit = Math.max(1, Math.min(dialect.bulkChunks.maxRows, maxRows));
  const cap = powersOfTwo ? 2 ** Math.floor(Math.log2(limit)) : limit;
  let start = 0;
  while (start < rows.length) {
    const left = rows.length - start;
    const size = left >= cap ? cap : powersOfTwo ? 2 ** Math.floor(Math.log2(left)) : left;
    yield rows.slice(start, start + size);
    start += size;
  }
}

/**
 * `(a, b) IN (VALUES (?, ?), …)`: rows matching one of these exact pairs. Two separate IN lists would
 * also match every cross combination, and make the database probe an (a, b) index once per combination.
 */
export function pairIn(a: string, b: string, pairs: (readonly [string, string])[]): RawBuilder<boolean> {
  const values = sql.join(padded(pairs).map(([x, y]) => sql`(${x}, ${y})`));
  return sql<boolean>`(${sql.ref(a)}, ${sql.ref(b)}) in (values ${values})`;
}

/** Rows grouped by a key, each group in the rows' order: the other half of a set-based read. */
export function groupBy<T>(rows: Iterable<T>, key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(key(r));
    if (list) list.push(r);
    else out.set(key(r), [r]);
  }
  return out;
}
