// Verification of a PostgreSQL sink against its MySQL/MariaDB source. Each server computes, per chunk, the
// aggregates of its row hashes over the canonical row text (canonical.ts: the MySQL and PostgreSQL side
// of every type rule next to each other); a chunk whose aggregates differ is listed on both sides
// (key hash, row hash) to name the differing rows, and those rows are read back to show the differing
// columns side by side.
//
// Chunks are buckets of the key, not key ranges: the two servers order keys differently (MySQL
// collations are case- and accent-insensitive and PAD SPACE, ENUMs order by their index, PostgreSQL
// orders text by its own collation), so a range read on one side is not the same rows on the other.
// A bucket is the MD5 of the key's canonical text modulo the number of chunks (rows / chunkRows), which
// both compute identically; one GROUP BY scan per side gives every bucket's aggregates (count, XOR of
// the first 64 bits and sum of the last 32 bits of the row hashes: order-free, like the MySQL sink's).
// A table without a key is one chunk compared as a multiset of row hashes.
//
// JSON columns have no SQL canonical form both servers reach (json-canonical.ts): a table with JSON is
// listed whole on both sides, and each row's JSON values are compared in Node as parsed values with
// every digit of every number kept.
import { createHash } from 'node:crypto';
import { CutoverError } from '../../../shared/errors.js';
import { DESCRIBED_ROWS, recordMismatch, VALUE_TEXT_MAX, type ColumnDifference, type RowMismatch, type VerifyTableResult } from '../../../shared/verify.js';
import { quoteId, quoteTable } from '../../mysql/identifiers.js';
import type { RawRow, RawValue } from '../../core/rows.js';
import { bytesToHex, keyRenderer, keySelectExpr } from '../../mysql/values.js';
import { CHUNK_AGGREGATES } from '../../mysql/row-hash-sql.js';
import type { VerifyTable } from '../../compare/chunk-checksum.js';
import { settle, StopRequested, type Listing } from '../../compare/settle.js';
import { diffKeyed, diffMultiset, multisetSize, type ListedRow, type RowDiff } from '../../compare/row-diff.js';
import { sourceSql, type SinkVerifier, type SinkVerifierContext } from '../../compare/sink-verifier.js';
import { streamSync, type StreamSync } from '../../compare/stream-sync.js';
import { canonicalRule, mysqlBucket, mysqlPart, mysqlRowHash, pgBucket, pgPart, pgRowHash, PG_CHUNK_AGGREGATES, type CanonicalRule } from './canonical.js';
import { connectPg, pgId, pgTable, postgresSinkOf, type PgClient } from './connection.js';
import { canonicalJson } from './json-canonical.js';
import type { UnholdablePolicy } from './types.js';
import { readPgCheckpoint } from './checkpoint.js';
import type { SourcePosition } from '../../core/position.js';

interface Sums {
  rows: number;
  xor: string;
  sum: string;
}

/** A table as both sides compare it. */
interface Plan {
  t: VerifyTable;
  rules: CanonicalRule[];
  keyRules: CanonicalRule[];
  json: boolean;
  buckets: number;
}

/** What a listing knows of one row besides its hashes: its key as each side can look it up and show it. */
interface RowInfo {
  /** Source: key values as keySelectExpr reads them (for keyRenderer); sink: key columns as PostgreSQL text. */
  key: RawValue[];
  show: (string | null)[];
}

interface SideListing {
  rows: ListedRow[];
  info: Map<string, RowInfo>;
}

const utf8 = (v: RawValue): string | null => (v === null ? null : Buffer.from(v, 'latin1').toString('utf8'));
const cut = (v: string | null): string | null => (v !== null && v.length > VALUE_TEXT_MAX ? `${v.slice(0, VALUE_TEXT_MAX)}…` : v);
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** The bucket of a key hash (its first 32 bits modulo the buckets), as both servers compute it. */
function bucketOf(keyHash: string, buckets: number): number {
  return parseInt(keyHash.slice(0, 8), 16) % buckets;
}

/** The row hash with the row's JSON values folded in (their canonical forms, compared in Node). */
function withJson(hash: string, json: (string | null)[]): string {
  if (!json.length) return hash;
  return md5(hash + json.map((j) => (j === null ? '\u0000N' : '\u0000' + canonicalJson(j))).join(''));
}

export class PostgresTableCheck {
  constructor(
    /** A source query (its own SQL) whose every value comes back as the bytes the server sent (a latin1 byte string, see RawValue). */
    private readonly source: (sql: string) => Promise<RawRow[]>,
    private readonly pg: PgClient,
    private readonly policy: UnholdablePolicy,
  ) {}

  /** The sink table's column types, and each compared column's rule. */
  async plan(t: VerifyTable, chunkRows: number): Promise<Plan> {
    const res = await this.pg.query<{ column_name: string; data_type: string }>(
      // A PostGIS column is 'USER-DEFINED' there; its udt_name says geometry (canonical.ts compares its EWKB).
      "SELECT column_name, CASE WHEN data_type = 'USER-DEFINED' AND udt_name = 'geometry' THEN 'geometry' ELSE data_type END AS data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2",
      [t.sink.db, t.sink.table],
    );
    if (!res.rows.length)
      throw new CutoverError(`${pgTable(t.sink)} does not exist on the PostgreSQL sink.`, 'Run the job (it creates and copies its tables), or check "rename" in the job file.', 'NOT_FOUND');
    const types = new Map(res.rows.map((r) => [r.column_name, r.data_type]));
    const rules = t.columns.map((c) => {
      const type = types.get(c.name);
      if (!type) throw new CutoverError(`Column ${c.name} of ${pgTable(t.sink)} is missing on the PostgreSQL sink.`, 'Copy the table again (Re-copy in the job view).', 'NOT_FOUND');
      return canonicalRule(c, type, this.policy);
    });
    const keyRules = t.keyColumns.map((k) => rules[t.columns.findIndex((c) => c.name === k.name)]!);
    const buckets = Math.max(1, Math.ceil(t.source.estimatedRows / Math.max(1, chunkRows)));
    return { t, rules, keyRules, json: rules.some((r) => r.json), buckets };
  }

  private mysqlFrom(p: Plan, cond?: string): string {
    const conds = [p.t.where ? `(${p.t.where})` : '', cond ?? ''].filter(Boolean);
    return `FROM ${quoteTable(p.t.source)}${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''}`;
  }

  private pgFrom(p: Plan, cond?: string): string {
    return `FROM ${pgTable(p.t.sink)}${cond ? ` WHERE ${cond}` : ''}`;
  }

  /** Every bucket's aggregates on one side. */
  async bucketSums(p: Plan, side: 'source' | 'sink'): Promise<Map<number, Sums>> {
    const rows: unknown[][] =
      side === 'source'
        ? await this.source(`SELECT d.b, ${CHUNK_AGGREGATES} FROM (SELECT ${mysqlBucket(p.keyRules, p.buckets)} AS b, ${mysqlRowHash(p.rules)} AS h ${this.mysqlFrom(p)}) AS d GROUP BY d.b`)
        : ((await this.pg.query({ text: `SELECT d.b, ${PG_CHUNK_AGGREGATES} FROM (SELECT ${pgBucket(p.keyRules, p.buckets)} AS b, ${pgRowHash(p.rules)} AS h ${this.pgFrom(p)}) AS d GROUP BY d.b`, rowMode: 'array' })).rows as unknown[][]);
    // MySQL's XOR is unsigned, PostgreSQL's bigint signed: the same 64 bits either way.
    return new Map(rows.map((r) => [Number(r[0]), { rows: Number(r[1]), xor: BigInt.asUintN(64, BigInt(String(r[2] ?? '0'))).toString(), sum: String(r[3] ?? '0') }]));
  }

  /** A keyless table on one side: its row hashes and how often each occurs. */
  async multiset(p: Plan, side: 'source' | 'sink'): Promise<Map<string, number>> {
    const rows: unknown[][] =
      side === 'source'
        ? await this.source(`SELECT d.h, COUNT(*) FROM (SELECT ${mysqlRowHash(p.rules)} AS h ${this.mysqlFrom(p)}) AS d GROUP BY d.h`)
        : ((await this.pg.query({ text: `SELECT d.h, count(*) FROM (SELECT ${pgRowHash(p.rules)} AS h ${this.pgFrom(p)}) AS d GROUP BY d.h`, rowMode: 'array' })).rows as unknown[][]);
    return new Map(rows.map((r) => [String(r[0]), Number(r[1])]));
  }

  private jsonRules(p: Plan): CanonicalRule[] {
    return p.rules.filter((r) => r.json);
  }

  /** The rows of these buckets (all: null) on the source: key hash, row hash, key as read and shown. */
  async listSource(p: Plan, buckets: number[] | null): Promise<SideListing> {
    const n = p.keyRules.length;
    const json = this.jsonRules(p);
    const cols = [
      `MD5(CONCAT(${p.keyRules.map(mysqlPart).join(`, ',', `)}))`,
      mysqlRowHash(p.rules),
      ...p.t.keyColumns.map(keySelectExpr),
      ...p.keyRules.map((r) => r.mysqlShow),
      ...json.map((r) => r.mysqlShow),
    ];
    const rows = await this.source(`SELECT ${cols.join(', ')} ${this.mysqlFrom(p, buckets ? `${mysqlBucket(p.keyRules, p.buckets)} IN (${buckets.join(', ')})` : undefined)}`);
    const out: SideListing = { rows: [], info: new Map() };
    for (const r of rows) {
      const id = String(r[0]);
      out.rows.push({ key: [id], hash: withJson(String(r[1]), r.slice(2 + 2 * n).map(utf8)) });
      out.info.set(id, { key: r.slice(2, 2 + n), show: r.slice(2 + n, 2 + 2 * n).map(utf8) });
    }
    return out;
  }

  /** The same on the sink: key hash, row hash, key columns as text (to look a row up) and shown. */
  async listSink(p: Plan, buckets: number[] | null): Promise<SideListing> {
    const n = p.keyRules.length;
    const json = this.jsonRules(p);
    const cols = [
      `md5(${p.keyRules.map(pgPart).join(` || ',' || `)})`,
      pgRowHash(p.rules),
      ...p.t.keyColumns.map((c) => `${pgId(c.name)}::text`),
      ...p.keyRules.map((r) => r.pgShow),
      ...json.map((r) => r.pgShow),
    ];
    const res = await this.pg.query({ text: `SELECT ${cols.join(', ')} ${this.pgFrom(p, buckets ? `${pgBucket(p.keyRules, p.buckets)} IN (${buckets.join(', ')})` : undefined)}`, rowMode: 'array' });
    const out: SideListing = { rows: [], info: new Map() };
    for (const r of res.rows as (string | null)[][]) {
      const id = String(r[0]);
      out.rows.push({ key: [id], hash: withJson(String(r[1]), r.slice(2 + 2 * n)) });
      out.info.set(id, { key: r.slice(2, 2 + n), show: r.slice(2 + n, 2 + 2 * n) });
    }
    return out;
  }

  /** One row's columns on the source, by key: the comparable part and the shown text of each. */
  async sourceRow(p: Plan, key: RawValue[]): Promise<{ cmp: (string | null)[]; show: (string | null)[] } | null> {
    const where = p.t.keyColumns.map((c, i) => `${quoteId(c.name)} = ${keyRenderer(c)(key[i] ?? null)}`).join(' AND ');
    const cols = [...p.rules.map((r) => (r.json ? r.mysqlShow : mysqlPart(r))), ...p.rules.map((r) => r.mysqlShow)];
    const [row] = await this.source(`SELECT ${cols.join(', ')} FROM ${quoteTable(p.t.source)} WHERE ${where} LIMIT 1`);
    if (!row) return null;
    const n = p.rules.length;
    return { cmp: row.slice(0, n).map(utf8), show: row.slice(n).map(utf8) };
  }

  async sinkRow(p: Plan, key: RawValue[]): Promise<{ cmp: (string | null)[]; show: (string | null)[] } | null> {
    const where = p.t.keyColumns.map((c, i) => `${pgId(c.name)} = $${i + 1}`).join(' AND ');
    const cols = [...p.rules.map((r) => (r.json ? r.pgShow : pgPart(r))), ...p.rules.map((r) => r.pgShow)];
    const res = await this.pg.query({ text: `SELECT ${cols.join(', ')} ${this.pgFrom(p, where)} LIMIT 1`, values: key, rowMode: 'array' });
    const row = res.rows[0] as (string | null)[] | undefined;
    if (!row) return null;
    const n = p.rules.length;
    return { cmp: row.slice(0, n), show: row.slice(n) };
  }

  /** A keyless table's row with this row hash, shown (on one side). */
  async rowByHash(p: Plan, side: 'source' | 'sink', hash: string): Promise<(string | null)[] | null> {
    if (!/^[0-9a-f]{32}$/.test(hash)) return null;
    if (side === 'source') {
      const [row] = await this.source(`SELECT ${p.rules.map((r) => r.mysqlShow).join(', ')} ${this.mysqlFrom(p, `${mysqlRowHash(p.rules)} = '${hash}'`)} LIMIT 1`);
      return row ? row.map(utf8) : null;
    }
    const res = await this.pg.query({ text: `SELECT ${p.rules.map((r) => r.pgShow).join(', ')} ${this.pgFrom(p, `${pgRowHash(p.rules)} = '${hash}'`)} LIMIT 1`, rowMode: 'array' });
    return (res.rows[0] as (string | null)[] | undefined) ?? null;
  }

  /** Fills `values` / `columns` of a keyed table's mismatches (up to DESCRIBED_ROWS). */
  async describe(p: Plan, list: RowMismatch[], from: number, keys: Map<RowMismatch, { source?: RawValue[]; sink?: RawValue[] }>): Promise<void> {
    const values = (show: (string | null)[]): Record<string, string | null> => Object.fromEntries(p.t.columns.map((c, i) => [c.name, cut(show[i] ?? null)]));
    for (let i = from; i < Math.min(list.length, DESCRIBED_ROWS); i++) {
      const m = list[i]!;
      const k = keys.get(m);
      const a = k?.source ? await this.sourceRow(p, k.source) : null;
      const b = k?.sink ? await this.sinkRow(p, k.sink) : null;
      if (a && b) {
        const cols: ColumnDifference[] = [];
        p.rules.forEach((r, j) => {
          const x = a.cmp[j] ?? null;
          const y = b.cmp[j] ?? null;
          const same = r.json ? (x === null ? y === null : y !== null && canonicalJson(x) === canonicalJson(y)) : x === y;
          if (!same) cols.push({ name: p.t.columns[j]!.name, source: cut(a.show[j] ?? null), sink: cut(b.show[j] ?? null) });
        });
        m.columns = cols;
      } else if (a || b) m.values = values((a ?? b)!.show);
    }
  }
}

/** Compares one table; fills `r` like the MySQL sink's verifier does. */
export async function verifyPostgresTable(check: PostgresTableCheck, t: VerifyTable, r: VerifyTableResult, o: { chunkRows: number; maxRows: number; sync: StreamSync | null; signal: AbortSignal; onChunk: () => void; log: SinkVerifierContext['log'] }): Promise<void> {
  const p = await check.plan(t, o.chunkRows);
  const streaming = o.sync !== null;
  const name = `${t.source.db}.${t.source.table}`;
  /** Source, then (while streaming: once the sink has applied up to the source's position) the sink. */
  const both = async <A, B>(src: () => Promise<A>, snk: () => Promise<B>, waitMs: number): Promise<[A, B]> => {
    if (!o.sync) return [await src(), await snk()];
    const a = await src();
    const at = await o.sync.sourcePosition();
    if (waitMs > 0 && !(await o.sync.waitApplied(at, waitMs, o.signal))) o.log.debug(`verify: the sink had not caught up with ${at.file}:${at.pos} after ${waitMs / 1000} s; comparing anyway`, name);
    return [a, await snk()];
  };
  const note = (found: Listing & { moving: number }): void => {
    if (found.moving) o.log.info(`verify: ${found.moving} row(s) kept changing while the stream applied them; not reported`, name);
  };
  const push = (m: RowMismatch): boolean => recordMismatch(r, m, o.maxRows);

  if (!t.keyColumns.length) {
    r.chunks = 1;
    const [a, b] = await both(() => check.multiset(p, 'source'), () => check.multiset(p, 'sink'), 0);
    let found: Listing & { moving: number } = { diffs: diffMultiset(a, b), rowsSource: multisetSize(a), rowsSink: multisetSize(b), moving: 0 };
    if (found.diffs.length) {
      if (streaming) r.rechecked++;
      found = await settle(async (waitMs) => {
        const [x, y] = await both(() => check.multiset(p, 'source'), () => check.multiset(p, 'sink'), waitMs);
        return { diffs: diffMultiset(x, y), rowsSource: multisetSize(x), rowsSink: multisetSize(y) };
      }, streaming, o.signal);
      note(found);
    }
    r.rowsSource += found.rowsSource;
    r.rowsSink += found.rowsSink;
    if (found.diffs.length) r.mismatchedChunks++;
    let described = 0;
    for (const d of found.diffs) {
      const hash = d.source ?? d.sink ?? '';
      const m: RowMismatch = { key: { row: hash }, hex: [], kind: d.kind, ...(d.count !== undefined ? { count: d.count } : {}) };
      if (!push(m)) break;
      if (described++ < DESCRIBED_ROWS) {
        const row = await check.rowByHash(p, d.kind === 'extra' ? 'sink' : 'source', hash);
        if (row) m.values = Object.fromEntries(t.columns.map((c, i) => [c.name, cut(row[i] ?? null)]));
      }
    }
    r.chunksDone = 1;
    o.onChunk();
    return;
  }

  r.chunks = p.buckets;
  const [sa, sb] = await both(() => check.bucketSums(p, 'source'), () => check.bucketSums(p, 'sink'), 0);
  r.rowsSource = [...sa.values()].reduce((n, s) => n + s.rows, 0);
  r.rowsSink = [...sb.values()].reduce((n, s) => n + s.rows, 0);
  const differing: number[] = [];
  for (let b = 0; b < p.buckets; b++) {
    const x = sa.get(b);
    const y = sb.get(b);
    const same = (!x && !y) || (x && y && x.rows === y.rows && x.xor === y.xor && x.sum === y.sum);
    if (!same || p.json) differing.push(b);
  }
  r.chunksDone = p.buckets - differing.length;
  o.onChunk();
  if (!differing.length) return;
  if (o.signal.aborted) throw new StopRequested();

  // JSON tables: every bucket is listed (all: null), their JSON compared in Node.
  const which = p.json ? null : differing;
  let last: [SideListing, SideListing] | null = null;
  if (streaming && !p.json) r.rechecked += differing.length;
  const found = await settle(async (waitMs) => {
    last = await both(() => check.listSource(p, which), () => check.listSink(p, which), waitMs);
    return { diffs: diffKeyed(last[0].rows, last[1].rows), rowsSource: last[0].rows.length, rowsSink: last[1].rows.length };
  }, streaming, o.signal);
  note(found);
  const [ls, lk] = last as unknown as [SideListing, SideListing];
  const keys = new Map<RowMismatch, { source?: RawValue[]; sink?: RawValue[] }>();
  const from = r.mismatches.length;
  const chunksHit = new Set<number>();
  for (const d of found.diffs as RowDiff[]) {
    const id = d.key[0]!;
    const s = ls.info.get(id);
    const k = lk.info.get(id);
    const shown = (s ?? k)!.show;
    const key = Object.fromEntries(t.keyColumns.map((c, i) => [c.name, shown[i] ?? null]));
    // A row on the source: its key as the source reads it (keySelectExpr); only on the sink: its key
    // columns as PostgreSQL prints them (UTF-8), which PostgreSQL parses back (repair.ts looks rows up by both).
    const hex = s ? s.key.map((v) => (v === null ? null : bytesToHex(v))) : k!.key.map((v) => (v === null ? null : Buffer.from(v, 'utf8').toString('hex')));
    chunksHit.add(bucketOf(id, p.buckets));
    const m: RowMismatch = { key, hex, kind: d.kind };
    if (!push(m)) continue;
    keys.set(m, { ...(s ? { source: s.key } : {}), ...(k ? { sink: k.key } : {}) });
  }
  r.mismatchedChunks += chunksHit.size;
  await check.describe(p, r.mismatches, from, keys);
  r.chunksDone = p.buckets;
  o.onChunk();
}

/** The PostgreSQL sink side of a verification: one connection, and while streaming the job's stream state. */
export async function openPostgresVerifier(ctx: SinkVerifierContext): Promise<SinkVerifier> {
  const sink = postgresSinkOf(ctx.cfg, 'PostgreSQL verification');
  const source = sourceSql(ctx.sourceSessions.data, 'PostgreSQL verification');
  const pg = await connectPg(sink.url);
  const check = new PostgresTableCheck(source, pg, sink.unholdable);
  // While streaming, a round waits until the job's checkpoint row on the sink (written in each batch's
  // transaction) has reached the source position read after the source side (or the stream says it is
  // caught up past it: a position no transaction ends at is never reached by the checkpoint).
  const applied = async (): Promise<SourcePosition | null> =>
    (
      await readPgCheckpoint(pg, ctx.cfg.name, false).catch((e: { code?: string }) => {
        if (e.code === '42P01' || e.code === '3F000') return null; // no checkpoint table yet
        throw e;
      })
    )?.position ?? null;
  const sync = ctx.streaming ? streamSync({ store: ctx.store, jobId: ctx.jobId, source: ctx.sourceSessions.meta, applied }) : null;
  return {
    sinkName: (t) => `${t.sink.db}.${t.sink.table}`,
    verifyTable: (t, r, progress) => verifyPostgresTable(check, t, r, { chunkRows: ctx.chunkRows, maxRows: ctx.maxRows, sync, signal: ctx.signal, onChunk: progress, log: ctx.log }),
    close: async () => {
      await pg.end().catch(() => undefined);
    },
  };
}
