// The PostgreSQL sink's preflight (`cutover run`'s checks before anything runs, the wizard's Preflight):
// the connection, the database, the privileges Cutover needs on it (CREATE on the database for a schema
// it creates, CREATE and USAGE on a schema that exists), tables of the job that already hold rows, and
// the server version. Every failure says what is wrong and the statement that fixes it. Never throws:
// a check that cannot run is an item too.
import type { CheckItem } from '../../../shared/preflight.js';
import type { TableRef } from '../../../shared/table-selection.js';
import type { SinkPreflightContext } from '../driver.js';
import { CHECKPOINT_SCHEMA, postgresLabel } from './descriptor.js';
import { pgId, pgTable } from './connection.js';
import pg from 'pg';

/** Oldest server the sink runs on (identity columns, ON CONFLICT, jsonb); verification needs bit_xor (14). */
const MIN_VERSION = 100000;
const VERIFY_VERSION = 140000;
/** Tables with rows named in the item, at most. */
const LISTED = 50;

type Item = Omit<CheckItem, 'side'>;

function userOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).username) || 'the user';
  } catch {
    return 'the user';
  }
}

function databaseOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
  } catch {
    return 'postgres';
  }
}

/** The connection failure as an item: which part failed (database missing, password, server down) and the fix. */
export function connectItem(url: string, e: Error & { code?: string }): Item {
  const where = postgresLabel(url);
  const db = databaseOf(url);
  const user = userOf(url);
  const base = { id: 'sink.connect', title: 'Connection', status: 'fail' as const };
  if (e.code === '3D000')
    return { ...base, id: 'sink.database', title: 'Database', detail: `The database ${pgId(db)} does not exist on ${where}.`, fix: `Create it (connected to another database, e.g. postgres): CREATE DATABASE ${pgId(db)} OWNER ${pgId(user)};` };
  if (e.code === '28P01' || e.code === '28000')
    return { ...base, detail: `${where} refused ${user}: ${e.message}`, fix: `Check the user and password in the URL; on the server: ALTER ROLE ${pgId(user)} WITH LOGIN PASSWORD '…'; and a pg_hba.conf line that lets this host connect.` };
  return { ...base, detail: `Cannot connect to the PostgreSQL sink at ${where}: ${e.message}`, fix: 'Check the URL (postgres://user:password@host:5432/dbname, sslmode=… as a query parameter), that the server runs and accepts connections from this host.' };
}

/** The version item (pure): below 10 the sink cannot work; below 14 verification cannot run. */
export function versionItem(num: number, text: string): Item {
  const base = { id: 'sink.version', title: 'Server version' };
  if (num < MIN_VERSION) return { ...base, status: 'fail', detail: `PostgreSQL ${text}: Cutover needs PostgreSQL 10 or later (identity columns, ON CONFLICT).`, fix: 'Upgrade the sink server to PostgreSQL 14 or later.' };
  if (num < VERIFY_VERSION) return { ...base, status: 'warn', detail: `PostgreSQL ${text}: copy and stream work; verification needs PostgreSQL 14 or later (the bit_xor aggregate).`, fix: 'Upgrade the sink server to PostgreSQL 14 or later to verify before the cutover.' };
  return { ...base, status: 'pass', detail: `PostgreSQL ${text}.` };
}

/** Privileges on the schemas the job writes (pure): each missing one named with its GRANT. */
export function privilegesItem(o: { database: string; user: string; canCreateSchema: boolean; schemas: { name: string; exists: boolean; create: boolean; usage: boolean }[] }): Item {
  const base = { id: 'sink.privileges', title: 'Privileges' };
  const fixes: string[] = [];
  const problems: string[] = [];
  const toCreate = o.schemas.filter((s) => !s.exists);
  if (toCreate.length && !o.canCreateSchema) {
    problems.push(`${o.user} cannot create the schema(s) ${toCreate.map((s) => pgId(s.name)).join(', ')} (no CREATE privilege on the database ${pgId(o.database)})`);
    fixes.push(`GRANT CREATE ON DATABASE ${pgId(o.database)} TO ${pgId(o.user)};`);
  }
  for (const s of o.schemas.filter((x) => x.exists && !(x.create && x.usage))) {
    problems.push(`${o.user} cannot create tables in the existing schema ${pgId(s.name)}`);
    fixes.push(`GRANT USAGE, CREATE ON SCHEMA ${pgId(s.name)} TO ${pgId(o.user)};`);
  }
  if (problems.length) return { ...base, status: 'fail', detail: `${problems.join('; ')}.`, fix: fixes.join('\n') };
  const made = toCreate.length ? `creates ${toCreate.map((s) => pgId(s.name)).join(', ')}` : 'writes to existing schemas';
  return { ...base, status: 'pass', detail: `${o.user} can create what the job needs (${made}).` };
}

/** The job's tables that already exist on the sink with rows (pure). */
export function existingRowsItem(withRows: TableRef[]): Item {
  const base = { id: 'sink.existing_rows', title: 'Existing tables' };
  if (!withRows.length) return { ...base, status: 'pass', detail: 'None of the job\'s tables holds rows on the sink yet.' };
  const names = withRows.map(pgTable);
  return {
    ...base,
    status: 'warn',
    detail: `${withRows.length} of the job's table(s) already exist on the sink with rows: a new copy stops at each (snapshot.onExisting "fail", the default) unless this job copied it; a resumed job continues them.`,
    fix: `Empty them if they are not this job's (${names.slice(0, 3).map((n) => `TRUNCATE TABLE ${n};`).join(' ')}${names.length > 3 ? ' …' : ''}), or set "snapshot": {"onExisting": "truncate"} or "append".`,
    tables: names.slice(0, LISTED),
  };
}

/** Runs the checks; returns what the report shows of the server. */
export async function checkPostgresSink(url: string, ctx: SinkPreflightContext): Promise<{ flavor: string; version?: string }> {
  const push = (i: Item): void => void ctx.items.push({ ...i, side: 'sink' });
  const client = new pg.Client({ connectionString: url, application_name: 'cutover', connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    push(connectItem(url, e as Error & { code?: string }));
    await client.end().catch(() => undefined);
    return { flavor: 'postgresql' };
  }
  try {
    const v = await client.query<{ num: string; text: string; db: string; user: string }>(
      "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS text, current_database() AS db, current_user AS user",
    );
    const { num, text, db, user } = v.rows[0]!;
    push({ id: 'sink.connect', title: 'Connection', status: 'pass', detail: `Connected to ${pgId(db)} as ${user}.` });
    push(versionItem(Number(num), text));
    const wanted = [...new Set([...ctx.sourceTables.map((t) => ctx.sinkName(t).db), ...(ctx.streaming ? [CHECKPOINT_SCHEMA] : [])])];
    const schemas = await client.query<{ name: string; exists: boolean; create: boolean; usage: boolean }>(
      `SELECT w.name, n.oid IS NOT NULL AS exists,
              coalesce(has_schema_privilege(n.oid, 'CREATE'), false) AS create, coalesce(has_schema_privilege(n.oid, 'USAGE'), false) AS usage
         FROM unnest($1::text[]) AS w(name) LEFT JOIN pg_namespace n ON n.nspname = w.name`,
      [wanted],
    );
    const canCreate = await client.query<{ ok: boolean }>("SELECT has_database_privilege(current_database(), 'CREATE') AS ok");
    push(privilegesItem({ database: db, user, canCreateSchema: canCreate.rows[0]!.ok, schemas: schemas.rows }));
    push(existingRowsItem(await tablesWithRows(client, ctx.sourceTables.map((t) => ctx.sinkName(t)))));
    return { flavor: 'postgresql', version: text };
  } catch (e) {
    push({ id: 'sink.checks', title: 'Sink checks', status: 'warn', detail: `Could not be completed: ${(e as Error).message}` });
    return { flavor: 'postgresql' };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Of these sink tables, those that exist and hold at least one row (tables the user may not read count as holding rows). */
async function tablesWithRows(client: pg.Client, tables: TableRef[]): Promise<TableRef[]> {
  if (!tables.length) return [];
  const existing = await client.query<{ db: string; table: string }>(
    `SELECT table_schema AS db, table_name AS "table" FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND (table_schema, table_name) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [tables.map((t) => t.db), tables.map((t) => t.table)],
  );
  const out: TableRef[] = [];
  for (const t of existing.rows) {
    const r = await client.query(`SELECT 1 FROM ${pgTable(t)} LIMIT 1`).catch(() => ({ rowCount: 1 }));
    if (r.rowCount) out.push(t);
  }
  return out;
}
