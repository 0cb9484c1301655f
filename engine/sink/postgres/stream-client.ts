// The PostgreSQL sink's stream connection: how it is opened (the session every sink connection uses),
// which failures are the statement's (the job pauses) and which are transient (the stream reconnects),
// statements with their parameters inlined for a shared round trip, and the sink table's unique indexes.
import pg from 'pg';
import { CutoverError } from '../../../shared/errors.js';
import type { PgStatement, SinkIndexes } from './change-plan.js';

/** SQLSTATEs worth retrying the whole batch for: serialization failure, deadlock, lock timeout, shutdown, too many connections. */
const RETRY_STATES = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300']);

/** An error the server returned for a statement (the statement is wrong for the data), not a lost connection. */
export function isStatementError(e: unknown): e is pg.DatabaseError {
  if (!(e instanceof pg.DatabaseError)) return false;
  const code = e.code ?? '';
  return !RETRY_STATES.has(code) && !code.startsWith('08');
}

/** Any other failure of the client (connection lost, server gone, deadlock) becomes one the stream runner reconnects after. */
export function asTransient(e: unknown): unknown {
  if (e instanceof CutoverError || isStatementError(e)) return e;
  const err = e as Error & { code?: string };
  return Object.assign(new Error(`PostgreSQL: ${err.message}${err.code ? ` (${err.code})` : ''}`), { code: 'ECONNRESET', fatal: true, cause: e });
}

/** Opens a client with the session every sink connection uses (UTC, exact floats). */
export async function openStreamClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'cutover' });
  client.on('error', () => undefined); // a connection lost while idle: the next query fails and says so
  try {
    await client.connect();
    await client.query("SET TIME ZONE 'UTC'; SET extra_float_digits = 3; SET client_encoding = 'UTF8'; SET standard_conforming_strings = on");
  } catch (e) {
    await client.end().catch(() => undefined);
    throw asTransient(e);
  }
  return client;
}

/**
 * A statement with its $n parameters written as string literals (standard_conforming_strings is on in
 * the sink session: only ' is doubled; the text never holds NUL, which pgText refuses). $n inside a quoted
 * identifier is left alone.
 */
export function inlineParams(st: Pick<PgStatement, 'sql' | 'params'>): string {
  return st.sql.replace(/"(?:[^"]|"")*"|\$(\d+)/g, (m, n: string | undefined) => {
    if (n === undefined) return m;
    const v = st.params[Number(n) - 1];
    return v === null || v === undefined ? 'NULL' : `'${v.replace(/'/g, "''")}'`;
  });
}

/** The sink table's unique indexes (plain column ones; partial and expression indexes aside) against the key. */
export async function sinkIndexes(client: pg.ClientBase, schema: string, table: string, key: string[]): Promise<SinkIndexes> {
  const r = await client.query<{ cols: string[] }>(
    `SELECT array_agg(a.attname::text ORDER BY k.ord) AS cols
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE n.nspname = $1 AND c.relname = $2 AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL AND k.ord <= i.indnkeyatts
      GROUP BY i.indexrelid`,
    [schema, table],
  );
  const sameSet = (cols: string[]): boolean => cols.length === key.length && cols.every((c) => key.includes(c));
  return { keyIndexed: key.length > 0 && r.rows.some((x) => sameSet(x.cols)), otherUniques: r.rows.filter((x) => !sameSet(x.cols)).map((x) => x.cols) };
}
