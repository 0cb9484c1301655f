// Helpers for the streaming integration tests: a source schema with awkward tables, a concurrent
// writer that changes it in every way the stream must follow, readers of the state file, the source's
// binlog position and the sink's checkpoint row, waits on them, job files, a CLI run in the background,
// and clean-up.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import type { FilePosition } from '../../shared/positions.js';
import { compareFilePositions } from '../../shared/positions.js';
import { checksum, describeRun, dumpDiff, exec, forEveryTable, q, query, rowDump, runCli, sinkUrl, sourceUrl, startCli, tempDir, uniqueName, type CliResult } from './db.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A small deterministic PRNG (mulberry32), so a failing run can be repeated with its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------------
// Schema

export interface SchemaSizes {
  /** t_uk: INT AUTO_INCREMENT PK + UNIQUE(u). */
  uk: number;
  /** t_comp: composite PK (INT, VARCHAR). */
  comp: number;
  /** t_nokey: no key at all, with duplicate rows. */
  nokey: number;
  /** t_types: BIGINT UNSIGNED PK up to 2^64-1, DATETIME(6), TIMESTAMP(6), DECIMAL(65,30), JSON, BLOB, utf8mb4 text. */
  types: number;
  /** t_log: append-only AUTO_INCREMENT table (0: not created). */
  log: number;
}

export const U64_MAX = 18446744073709551615n;
/** t_types ids are spaced this far apart, leaving holes for inserts and key moves. */
const TYPES_STEP = 8n;

export function schemaSql(db: string, n: SchemaSizes): string {
  const d = q(db);
  const parts = [
    `CREATE DATABASE ${d} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`,
    `USE ${d}`, // the seq_1_to_N sequence tables need a current database
    `CREATE TABLE ${d}.t_uk (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, u INT NOT NULL, v VARCHAR(64), n INT NOT NULL DEFAULT 0,
       UNIQUE KEY uk_u (u)) ENGINE=InnoDB`,
    `INSERT INTO ${d}.t_uk (id, u, v, n) SELECT seq, seq * 10, MD5(seq), 0 FROM seq_1_to_${n.uk}`,
    `CREATE TABLE ${d}.t_comp (a INT NOT NULL, b VARCHAR(20) NOT NULL, c BIGINT, s VARCHAR(40), PRIMARY KEY (a, b)) ENGINE=InnoDB`,
    `INSERT INTO ${d}.t_comp SELECT seq DIV 3, CONCAT('k', seq MOD 3), seq * 1000003, SHA1(seq) FROM seq_1_to_${n.comp}`,
    `CREATE TABLE ${d}.t_nokey (a INT, b VARCHAR(20), c DECIMAL(10,2)) ENGINE=InnoDB`,
    `INSERT INTO ${d}.t_nokey SELECT seq MOD 2000, CONCAT('v', seq MOD 2000), NULL FROM seq_1_to_${n.nokey}`,
    `CREATE TABLE ${d}.t_types (
       id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
       dt DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, dec65 DECIMAL(65,30), big BIGINT UNSIGNED, j JSON, bl BLOB,
       txt TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci, e ENUM('a','b','c'), KEY k_dt (dt)) ENGINE=InnoDB`,
    `INSERT INTO ${d}.t_types SELECT ${U64_MAX} - (${n.types} - seq) * ${TYPES_STEP},
       '2000-01-01 00:00:00' + INTERVAL seq * 7919 SECOND + INTERVAL seq MICROSECOND,
       IF(seq MOD 5 = 0, NULL, FROM_UNIXTIME(1000000000 + seq * 37) + INTERVAL seq MICROSECOND),
       CONCAT(IF(seq MOD 2, '-', ''), REPEAT('9', 1 + seq MOD 35), '.', LPAD(seq, 30, '0')),
       IF(seq MOD 7 = 0, ${U64_MAX}, seq * 1234567891),
       JSON_OBJECT('seq', seq, 'name', CONCAT('n', seq), 'arr', JSON_ARRAY(seq, seq / 3, 'é')),
       UNHEX(CONCAT(MD5(seq), '00275C0A0D09', SHA1(seq))),
       CONCAT('text ', seq, ' é ü 😀 \\\\ \\' "', REPEAT('x', seq MOD 50)),
       ELT(1 + seq MOD 3, 'a', 'b', 'c')
     FROM seq_1_to_${n.types}`,
  ];
  if (n.log > 0) {
    parts.push(
      `CREATE TABLE ${d}.t_log (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(64) NOT NULL, at DATETIME(6) NOT NULL) ENGINE=InnoDB`,
      `INSERT INTO ${d}.t_log (payload, at) SELECT CONCAT('initial ', seq), '2020-01-01' + INTERVAL seq SECOND FROM seq_1_to_${n.log}`,
    );
  }
  return parts.join(';\n') + ';';
}

export function tablesOf(n: SchemaSizes): string[] {
  return ['t_uk', 't_comp', 't_nokey', 't_types', ...(n.log > 0 ? ['t_log'] : [])];
}

// ---------------------------------------------------------------------------------------------------
// The concurrent writer

/** A set of keys with O(1) random pick and removal. */
class KeyBag<K> {
  private readonly list: K[] = [];
  private readonly at = new Map<string, number>();
  constructor(private readonly id: (k: K) => string) {}
  get size(): number {
    return this.list.length;
  }
  has(k: K): boolean {
    return this.at.has(this.id(k));
  }
  add(k: K): void {
    const id = this.id(k);
    if (this.at.has(id)) throw new Error(`writer model: key ${id} added twice`);
    this.at.set(id, this.list.length);
    this.list.push(k);
  }
  remove(k: K): void {
    const id = this.id(k);
    const i = this.at.get(id);
    if (i === undefined) throw new Error(`writer model: key ${id} is not there`);
    const last = this.list.pop()!;
    this.at.delete(id);
    if (i < this.list.length) {
      this.list[i] = last;
      this.at.set(this.id(last), i);
    }
  }
  pick(rnd: () => number): K {
    return this.list[Math.floor(rnd() * this.list.length)]!;
  }
}

export interface WriterStats {
  /** Committed source transactions. */
  transactions: number;
  /** Row changes those transactions made (as counted by affectedRows). */
  rowChanges: number;
  /** Per operation: how many times it committed. */
  ops: Record<string, number>;
}

type Op = { name: string; weight: number; run: () => Promise<void> };

/**
 * Changes the source tables from its own connection, one transaction after another, until stopped:
 * inserts, repeated updates of the same rows, deletes and re-inserts of the same key, primary-key
 * changes (forward, backward and into negative keys), multi-table transactions, swaps of UNIQUE values
 * between two rows, and keyless-table inserts/updates/deletes of duplicate rows. It keeps a model of
 * the keys so every statement affects exactly the rows it means to (and checks it).
 */
export class SourceWriter {
  private conn: mysql.Connection | null = null;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private error: Error | null = null;
  readonly commitTimes: number[] = [];
  /** Each committed operation and when (Date.now()). */
  readonly opLog: { op: string; at: number }[] = [];
  readonly stats: WriterStats = { transactions: 0, rowChanges: 0, ops: {} };
  private readonly rnd: () => number;
  private ops: Op[];

  // Model of the keys.
  private readonly uk = new KeyBag<number>((k) => String(k));
  private readonly ukU = new Map<number, number>();
  private readonly ukFree: number[] = [];
  private nextU: number;
  private nextNeg = -1;
  private readonly comp = new KeyBag<[number, string]>((k) => `${k[0]}|${k[1]}`);
  private readonly types = new KeyBag<bigint>((k) => k.toString());
  private counter = 0;

  constructor(
    private readonly db: string,
    private readonly sizes: SchemaSizes,
    readonly seed: number,
    /** Pause between transactions (ms); 0: as fast as the connection goes. */
    private readonly pauseMs = 2,
  ) {
    this.rnd = prng(seed);
    for (let i = 1; i <= sizes.uk; i++) {
      this.uk.add(i);
      this.ukU.set(i, i * 10);
    }
    this.nextU = sizes.uk * 10 + 1_000_000;
    for (let s = 1; s <= sizes.comp; s++) this.comp.add([Math.floor(s / 3), `k${s % 3}`]);
    for (let s = 1; s <= sizes.types; s++) this.types.add(U64_MAX - BigInt(sizes.types - s) * TYPES_STEP);
    const o = (name: string, weight: number, run: () => Promise<void>): Op => ({ name, weight, run });
    this.ops = [
      o('uk insert (auto-increment)', 8, () => this.ukInsert()),
      o('uk repeated updates of hot rows', 10, () => this.ukHotUpdates()),
      o('uk delete + re-insert same key', 6, () => this.ukDeleteReinsert()),
      o('uk primary key change', 6, () => this.ukMoveKey()),
      o('uk unique swap', 6, () => this.ukSwap()),
      o('comp insert', 5, () => this.compInsert()),
      o('comp update', 6, () => this.compUpdate()),
      o('comp delete + re-insert', 4, () => this.compDeleteReinsert()),
      o('comp primary key change', 5, () => this.compMoveKey()),
      o('nokey insert', 6, () => this.nokeyInsert()),
      o('nokey update one of duplicates', 4, () => this.nokeyUpdate()),
      o('nokey delete one of duplicates', 3, () => this.nokeyDelete()),
      o('types insert', 4, () => this.typesInsert()),
      o('types update', 8, () => this.typesUpdate()),
      o('types delete', 3, () => this.typesDelete()),
      o('types primary key change', 3, () => this.typesMoveKey()),
      o('multi-table transaction', 8, () => this.multiTable()),
      ...(sizes.log > 0 ? [o('log append', 10, () => this.logAppend())] : []),
    ];
    // For investigating a failure only: CUTOVER_TEST_WRITER_SKIP="uk unique swap,uk primary key change"
    // leaves those operations out (comma-separated substrings of op names). Unset in normal runs.
    const skip = (process.env.CUTOVER_TEST_WRITER_SKIP ?? '').split(',').map((x) => x.trim()).filter(Boolean);
    if (skip.length) this.ops = this.ops.filter((op) => !skip.some((x) => op.name.includes(x)));
  }

  async start(): Promise<void> {
    const u = new URL(sourceUrl());
    this.conn = await mysql.createConnection({
      host: u.hostname,
      port: Number(u.port),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      charset: 'utf8mb4',
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
    // The server's own time zone (+05:30) for TIMESTAMP literals, strict mode so nothing is silently changed.
    await this.conn.query("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'");
    this.loop = this.run();
  }

  /** Stops after the transaction in flight; throws the writer's own failure, if any. */
  async stop(): Promise<WriterStats> {
    this.stopping = true;
    await this.loop;
    await this.conn?.end().catch(() => undefined);
    this.conn = null;
    if (this.error) throw this.error;
    return this.stats;
  }

  /** The operations this writer picks from. */
  get opNames(): string[] {
    return this.ops.map((o) => o.name);
  }

  /** How many times each operation committed in [from, to]. */
  opsBetween(from: number, to: number): Record<string, number> {
    const out: Record<string, number> = Object.fromEntries(this.opNames.map((n) => [n, 0]));
    for (const e of this.opLog) if (e.at >= from && e.at <= to) out[e.op] = (out[e.op] ?? 0) + 1;
    return out;
  }

  get failed(): Error | null {
    return this.error;
  }

  /** Fails the test, with the writer's error, if the writer has failed. */
  assertNotFailed(): void {
    if (this.error) assert.fail(`the writer failed: ${this.error.message}`);
  }

  /** Transactions committed in [from, to] (Date.now() values). */
  committedBetween(from: number, to: number): number {
    return this.commitTimes.filter((t) => t >= from && t <= to).length;
  }

  private async run(): Promise<void> {
    const total = this.ops.reduce((n, o) => n + o.weight, 0);
    try {
      while (!this.stopping) {
        let r = this.rnd() * total;
        const op = this.ops.find((o) => (r -= o.weight) < 0) ?? this.ops[0]!;
        await op.run();
        this.stats.transactions++;
        this.stats.ops[op.name] = (this.stats.ops[op.name] ?? 0) + 1;
        const at = Date.now();
        this.commitTimes.push(at);
        this.opLog.push({ op: op.name, at });
        if (this.pauseMs) await sleep(this.pauseMs);
      }
    } catch (e) {
      this.error = e as Error;
      await this.conn?.query('ROLLBACK').catch(() => undefined);
    }
  }

  private int(n: number): number {
    return Math.floor(this.rnd() * n);
  }

  /** Runs a statement and checks how many rows it affected (null: not checked). */
  private async x(sql: string, params: unknown[], expect: number | null): Promise<number> {
    const [res] = await this.conn!.query(sql, params);
    const r = res as { affectedRows: number; insertId: number };
    if (expect !== null && r.affectedRows !== expect) {
      throw new Error(`writer: ${sql} ${JSON.stringify(params)} affected ${r.affectedRows} rows, expected ${expect}`);
    }
    this.stats.rowChanges += r.affectedRows;
    return r.insertId;
  }

  private async tx(body: () => Promise<void>): Promise<void> {
    await this.conn!.query('BEGIN');
    await body();
    await this.conn!.query('COMMIT');
  }

  private t(name: string): string {
    return `${q(this.db)}.${q(name)}`;
  }

  // --- t_uk -----------------------------------------------------------------------------------------

  private async ukInsert(): Promise<void> {
    const u = this.nextU++;
    const id = await this.x(`INSERT INTO ${this.t('t_uk')} (u, v, n) VALUES (?, ?, 0)`, [u, `new ${u}`], 1);
    this.uk.add(id);
    this.ukU.set(id, u);
  }

  /** A few rows near both ends of the key space, updated again and again. */
  private hotId(): number {
    for (let tries = 0; tries < 5; tries++) {
      const candidate = this.rnd() < 0.5 ? 1 + this.int(8) : this.sizes.uk - this.int(8);
      if (this.uk.has(candidate)) return candidate;
    }
    return this.uk.pick(this.rnd);
  }

  private async ukHotUpdates(): Promise<void> {
    const id = this.hotId();
    const times = 1 + this.int(3);
    const body = async (): Promise<void> => {
      for (let i = 0; i < times; i++) await this.x(`UPDATE ${this.t('t_uk')} SET n = n + 1, v = ? WHERE id = ?`, [`hot ${++this.counter}`, id], 1);
    };
    if (this.rnd() < 0.5) await this.tx(body);
    else await body(); // several autocommit transactions on the same row
  }

  private async ukDeleteReinsert(): Promise<void> {
    const id = this.uk.pick(this.rnd);
    const oldU = this.ukU.get(id)!;
    const u = this.rnd() < 0.5 ? oldU : this.nextU++;
    const body = async (): Promise<void> => {
      await this.x(`DELETE FROM ${this.t('t_uk')} WHERE id = ?`, [id], 1);
      await this.x(`INSERT INTO ${this.t('t_uk')} (id, u, v, n) VALUES (?, ?, ?, 0)`, [id, u, `reborn ${++this.counter}`], 1);
    };
    if (this.rnd() < 0.5) await this.tx(body);
    else await body();
    this.ukU.set(id, u);
    // Sometimes leave a hole for later key moves.
    if (this.rnd() < 0.3) {
      await this.x(`DELETE FROM ${this.t('t_uk')} WHERE id = ?`, [id], 1);
      this.uk.remove(id);
      this.ukU.delete(id);
      this.ukFree.push(id);
    }
  }

  /** UPDATE … SET id = …: into a hole left by a delete (either direction) or below every key (negative). */
  private async ukMoveKey(): Promise<void> {
    const id = this.uk.pick(this.rnd);
    let to: number;
    if (this.ukFree.length && this.rnd() < 0.7) to = this.ukFree.splice(this.int(this.ukFree.length), 1)[0]!;
    else to = this.nextNeg--;
    await this.x(`UPDATE ${this.t('t_uk')} SET id = ?, v = ? WHERE id = ?`, [to, `moved from ${id}`, id], 1);
    const u = this.ukU.get(id)!;
    this.uk.remove(id);
    this.ukU.delete(id);
    this.uk.add(to);
    this.ukU.set(to, u);
    if (id > 0) this.ukFree.push(id);
  }

  /** Two rows exchange their UNIQUE values in one transaction (through a temporary value). */
  private async ukSwap(): Promise<void> {
    const a = this.uk.pick(this.rnd);
    const b = this.uk.pick(this.rnd);
    if (a === b) return this.ukHotUpdates();
    const ua = this.ukU.get(a)!;
    const ub = this.ukU.get(b)!;
    await this.tx(async () => {
      await this.x(`UPDATE ${this.t('t_uk')} SET u = ? WHERE id = ?`, [-1_000_000_000 - ++this.counter, a], 1);
      await this.x(`UPDATE ${this.t('t_uk')} SET u = ? WHERE id = ?`, [ua, b], 1);
      await this.x(`UPDATE ${this.t('t_uk')} SET u = ? WHERE id = ?`, [ub, a], 1);
    });
    this.ukU.set(a, ub);
    this.ukU.set(b, ua);
  }

  // --- t_comp ---------------------------------------------------------------------------------------

  private async compInsert(): Promise<void> {
    const a = this.int(Math.max(1, Math.floor(this.sizes.comp / 3)));
    const b = `n${++this.counter}`;
    await this.x(`INSERT INTO ${this.t('t_comp')} (a, b, c, s) VALUES (?, ?, ?, ?)`, [a, b, this.counter * 7, `ins ${this.counter}`], 1);
    this.comp.add([a, b]);
  }

  private async compUpdate(): Promise<void> {
    const [a, b] = this.comp.pick(this.rnd);
    await this.x(`UPDATE ${this.t('t_comp')} SET c = c + 1, s = ? WHERE a = ? AND b = ?`, [`upd ${++this.counter}`, a, b], 1);
  }

  private async compDeleteReinsert(): Promise<void> {
    const [a, b] = this.comp.pick(this.rnd);
    await this.tx(async () => {
      await this.x(`DELETE FROM ${this.t('t_comp')} WHERE a = ? AND b = ?`, [a, b], 1);
      await this.x(`INSERT INTO ${this.t('t_comp')} (a, b, c, s) VALUES (?, ?, NULL, ?)`, [a, b, `again ${++this.counter}`], 1);
    });
  }

  private async compMoveKey(): Promise<void> {
    const k = this.comp.pick(this.rnd);
    const [a, b] = k;
    const to: [number, string] = this.rnd() < 0.5 ? [-++this.counter, b] : [a, `m${++this.counter}`];
    await this.x(`UPDATE ${this.t('t_comp')} SET a = ?, b = ? WHERE a = ? AND b = ?`, [to[0], to[1], a, b], 1);
    this.comp.remove(k);
    this.comp.add(to);
  }

  // --- t_nokey (no key: duplicates are legitimate; each statement touches at most one row) ---------

  private async nokeyInsert(): Promise<void> {
    const a = this.int(2000);
    await this.x(`INSERT INTO ${this.t('t_nokey')} (a, b, c) VALUES (?, ?, NULL)`, [a, `v${a}`], 1);
  }

  private async nokeyUpdate(): Promise<void> {
    const a = this.int(2000);
    await this.x(`UPDATE ${this.t('t_nokey')} SET c = ? WHERE a = ? LIMIT 1`, [(this.int(1_000_000) / 100).toFixed(2), a], null);
  }

  private async nokeyDelete(): Promise<void> {
    await this.x(`DELETE FROM ${this.t('t_nokey')} WHERE a = ? LIMIT 1`, [this.int(2000)], null);
  }

  // --- t_types --------------------------------------------------------------------------------------

  private typesValues(): unknown[] {
    const i = ++this.counter;
    const dts = ['1000-01-01 00:00:00.000000', '2024-02-29 23:59:59.999999', '9999-12-31 23:59:59.999999', `2021-06-${String(1 + (i % 28)).padStart(2, '0')} 12:34:56.${String(i % 1_000_000).padStart(6, '0')}`];
    // Literals in the session time zone (+05:30): the TIMESTAMP range ends at 2038-01-19 03:14:07.999999 UTC.
    const tss = [null, '1970-01-01 05:30:01.000001', '2038-01-19 08:44:07.999999', `2025-03-30 02:${String(i % 60).padStart(2, '0')}:00.5`];
    const decs = ['99999999999999999999999999999999999.999999999999999999999999999999', '-0.000000000000000000000000000001', `${i}.${String(i).padStart(30, '7')}`.slice(0, 66), '0'];
    const bigs = [U64_MAX.toString(), '0', String(i * 9_999_999_967)];
    const jsons = ['{"a": [1, 2.5, "x\\u00e9"], "n": null, "t": true}', `{"i": ${i}, "s": "😀 \\" \\\\"}`, '[]', 'null'];
    const blob = Buffer.from(Array.from({ length: 1 + (i % 40) }, (_, k) => (k * 37 + i) % 256));
    const texts = [`ü é ß 😀 ${i}`, "quote ' and \" and \\ backslash\ttab\nnewline", '', `${'long '.repeat(i % 100)}`];
    const pick = <T>(xs: T[]): T => xs[this.int(xs.length)]!;
    return [pick(dts), pick(tss), pick(decs), pick(bigs), pick(jsons), blob, pick(texts), pick(['a', 'b', 'c', null])];
  }

  private freeTypesIdNear(x: bigint): bigint | null {
    for (let d = 1n; d < TYPES_STEP; d++) {
      const c = x - d;
      if (c >= 0n && !this.types.has(c)) return c;
    }
    return null;
  }

  private async typesInsert(): Promise<void> {
    const id = this.freeTypesIdNear(this.types.pick(this.rnd));
    if (id === null) return this.typesUpdate();
    await this.x(`INSERT INTO ${this.t('t_types')} (id, dt, ts, dec65, big, j, bl, txt, e) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [id.toString(), ...this.typesValues()], 1);
    this.types.add(id);
  }

  private async typesUpdate(): Promise<void> {
    const id = this.types.pick(this.rnd);
    const v = this.typesValues();
    await this.x(`UPDATE ${this.t('t_types')} SET dt = ?, ts = ?, dec65 = ?, big = ?, j = ?, bl = ?, txt = ?, e = ? WHERE id = ?`, [...v, id.toString()], null);
  }

  private async typesDelete(): Promise<void> {
    if (this.types.size < 10) return this.typesInsert();
    const id = this.types.pick(this.rnd);
    await this.x(`DELETE FROM ${this.t('t_types')} WHERE id = ?`, [id.toString()], 1);
    this.types.remove(id);
  }

  private async typesMoveKey(): Promise<void> {
    const id = this.types.pick(this.rnd);
    const to = this.freeTypesIdNear(id);
    if (to === null) return this.typesUpdate();
    await this.x(`UPDATE ${this.t('t_types')} SET id = ? WHERE id = ?`, [to.toString(), id.toString()], 1);
    this.types.remove(id);
    this.types.add(to);
  }

  // --- across tables ---------------------------------------------------------------------------------

  private async multiTable(): Promise<void> {
    await this.tx(async () => {
      const u = this.nextU++;
      const id = await this.x(`INSERT INTO ${this.t('t_uk')} (u, v, n) VALUES (?, ?, 0)`, [u, `multi ${u}`], 1);
      const [a, b] = this.comp.pick(this.rnd);
      await this.x(`UPDATE ${this.t('t_comp')} SET c = ?, s = ? WHERE a = ? AND b = ?`, [id, `multi ${u}`, a, b], 1);
      const k = this.int(2000);
      await this.x(`INSERT INTO ${this.t('t_nokey')} (a, b, c) VALUES (?, ?, ?)`, [k, `v${k}`, '1.50'], 1);
      const tid = this.types.pick(this.rnd);
      await this.x(`UPDATE ${this.t('t_types')} SET txt = ?, big = ? WHERE id = ?`, [`multi ${u} ☃`, String(u), tid.toString()], null);
      const victim = this.uk.pick(this.rnd);
      await this.x(`DELETE FROM ${this.t('t_uk')} WHERE id = ?`, [victim], 1);
      if (this.sizes.log > 0) await this.x(`INSERT INTO ${this.t('t_log')} (payload, at) VALUES (?, NOW(6))`, [`multi ${u}`], 1);
      this.uk.add(id);
      this.ukU.set(id, u);
      this.uk.remove(victim);
      this.ukU.delete(victim);
      if (victim > 0) this.ukFree.push(victim);
    });
  }

  private async logAppend(): Promise<void> {
    const rows = 1 + this.int(3);
    const values = Array.from({ length: rows }, () => '(?, NOW(6))').join(', ');
    await this.x(`INSERT INTO ${this.t('t_log')} (payload, at) VALUES ${values}`, Array.from({ length: rows }, () => `log ${++this.counter}`), rows);
  }
}

// ---------------------------------------------------------------------------------------------------
// Positions, the state file, the sink checkpoint

export async function sourcePosition(): Promise<FilePosition> {
  const [row] = await query<{ File: string; Position: number | string }>(sourceUrl(), 'SHOW MASTER STATUS');
  assert.ok(row, 'the source has no binlog (SHOW MASTER STATUS is empty)');
  return { kind: 'file', file: String(row.File), pos: Number(row.Position) };
}

/**
 * The sink's checkpoint row of `job`; null while there is none (no row yet, or the `_cutover` database
 * or its table not created yet). Any other error (e.g. the sink is unreachable) is thrown.
 */
export async function sinkCheckpoint(job: string): Promise<FilePosition | null> {
  try {
    const [r] = await query<{ file: string; pos: string }>(
      sinkUrl(),
      'SELECT file, CAST(pos AS CHAR) AS pos FROM _cutover.cutover_checkpoint WHERE job = ?',
      [job],
    );
    return r ? { kind: 'file', file: r.file, pos: Number(r.pos) } : null;
  } catch (e) {
    if ([1049, 1146].includes(Number((e as { errno?: number }).errno))) return null; // unknown database / table
    throw e;
  }
}

/** A file and offset as found in the sink checkpoint, `cutover status --json` or a log line. */
export interface FileAndPos {
  file: string;
  pos: number;
}

/** `file:pos` for messages ('none' for no position). */
export const fmt = (p: FileAndPos | null | undefined): string => (p ? `${p.file}:${p.pos}` : 'none');

/** Just the file and offset of `p` as a FilePosition (drops anything else, such as a status entry's gtid), for deepEqual and comparisons. */
export const asFilePosition = (p: FileAndPos): FilePosition => ({ kind: 'file', file: p.file, pos: p.pos });

/** Whether `p` is at or past `target` in the binlog (false when there is no `p`). */
export const reached = (p: FileAndPos | null | undefined, target: FileAndPos): boolean =>
  !!p && compareFilePositions(asFilePosition(p), asFilePosition(target)) >= 0;

export interface JobPeek {
  pid: number | null;
  phase: string;
  state: string;
  error: string | null;
  copyStart: FilePosition | null;
  copyEnd: FilePosition | null;
  chunksDone: number;
}

/** Reads the job row of a state file (read-only; null while it is being created). For timing, not assertions. */
export function peekJob(stateFile: string): JobPeek | null {
  if (!existsSync(stateFile)) return null;
  let db: Database.Database | null = null;
  try {
    db = new Database(stateFile, { readonly: true, fileMustExist: true });
    const j = db.prepare('SELECT pid, phase, state, error, copy_start_position AS s, copy_end_position AS e FROM jobs LIMIT 1').get() as
      | { pid: number | null; phase: string; state: string; error: string | null; s: string | null; e: string | null }
      | undefined;
    if (!j) return null;
    const t = db.prepare('SELECT COALESCE(SUM(chunks_done), 0) AS d FROM job_tables').get() as { d: number };
    const pos = (s: string | null): FilePosition | null => (s ? ((JSON.parse(s) as { file: FilePosition }).file ?? null) : null);
    return { pid: j.pid, phase: j.phase, state: j.state, error: j.error, copyStart: pos(j.s), copyEnd: pos(j.e), chunksDone: t.d };
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

/** finished_at of every done chunk, per table (Date.now() values). */
export function chunkFinishTimes(stateFile: string): { table: string; at: number }[] {
  const db = new Database(stateFile, { readonly: true, fileMustExist: true });
  try {
    return (
      db
        .prepare("SELECT t.src_table AS tbl, c.finished_at AS at FROM chunks c JOIN job_tables t ON t.id = c.table_id WHERE c.state = 'done' ORDER BY c.finished_at")
        .all() as { tbl: string; at: number }[]
    ).map((r) => ({ table: r.tbl, at: r.at }));
  } finally {
    db.close();
  }
}

/** Transactions (Xid events) committed in the source binlog between two positions. */
export async function transactionsBetween(from: FilePosition, to: FilePosition): Promise<number> {
  const files = (await query<{ Log_name: string }>(sourceUrl(), 'SHOW BINARY LOGS')).map((r) => String(r.Log_name));
  let n = 0;
  for (const file of files) {
    if (compareFilePositions({ kind: 'file', file, pos: 0 }, { kind: 'file', file: from.file, pos: 0 }) < 0) continue;
    if (compareFilePositions({ kind: 'file', file, pos: 0 }, { kind: 'file', file: to.file, pos: 0 }) > 0) break;
    let pos = file === from.file ? from.pos : 4;
    for (;;) {
      const rows = await query<{ Event_type: string; End_log_pos: number | string; Pos: number | string }>(
        sourceUrl(),
        `SHOW BINLOG EVENTS IN '${file}' FROM ${pos} LIMIT 5000`,
      );
      if (!rows.length) break;
      let past = false;
      for (const r of rows) {
        const end = Number(r.End_log_pos);
        if (file === to.file && end > to.pos) {
          past = true;
          break;
        }
        if (r.Event_type === 'Xid') n++;
      }
      if (past || rows.length < 5000) break;
      pos = Number(rows[rows.length - 1]!.End_log_pos);
    }
  }
  return n;
}

/** A position in `cutover status --json`. */
export interface StatusPosition extends FileAndPos {
  gtid?: string | null;
}

/** One job of `cutover status --json`. */
export interface StatusJob {
  name: string;
  state: string;
  phase: string;
  error: string | null;
  stream: {
    applied: StatusPosition | null;
    source: StatusPosition | null;
    target: StatusPosition | null;
    caughtUp: boolean;
    lagSeconds: number | null;
    behindBytes: number | null;
    behindTxs: number | null;
  } | null;
  tables: { source: string; state: string; error: string | null; inserts: number; updates: number; deletes: number }[];
}

/** `cutover status --json` of a state file holding exactly one job (both checked). */
export async function statusJson(stateFile: string): Promise<StatusJob> {
  const r: CliResult = await runCli(['status', '--state', stateFile, '--json']);
  assert.equal(r.code, 0, describeRun(r));
  const jobs = (JSON.parse(r.stdout) as { jobs: StatusJob[] }).jobs;
  assert.equal(jobs.length, 1, r.stdout);
  return jobs[0]!;
}

/** `cutover status --json` of a job stopped cleanly while streaming: state stopped, phase streaming, no job or table error. */
export async function assertStoppedWhileStreaming(stateFile: string): Promise<StatusJob> {
  const s = await statusJson(stateFile);
  assert.equal(s.error, null, `status reports an error: ${s.error}`);
  assert.equal(s.state, 'stopped', JSON.stringify(s));
  assert.equal(s.phase, 'streaming', JSON.stringify(s));
  for (const tb of s.tables) assert.equal(tb.error, null, `${tb.source}: ${tb.error}`);
  return s;
}

/** Polls `check` until it returns a truthy value; fails with `what` (and `detail()`) after `ms`. */
export async function waitFor<T>(what: string, ms: number, check: () => Promise<T | null | undefined | false> | T | null | undefined | false, detail?: () => string | Promise<string>, everyMs = 50): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) assert.fail(`timed out after ${ms} ms waiting for ${what}${detail ? `\n${await detail()}` : ''}`);
    await sleep(everyMs);
  }
}

/**
 * Every table: row dumps equal as multisets and CHECKSUM TABLE equal; fails once naming every table that
 * differs (each prefixed with `label`, when given, to say at which step).
 */
export async function assertSinkEqualsSource(srcDb: string, sinkDb: string, tables: readonly string[], label?: string): Promise<void> {
  const at = label ? `${label}: ` : '';
  await forEveryTable([...tables], async (t) => {
    const diff = dumpDiff(await rowDump(sourceUrl(), srcDb, t), await rowDump(sinkUrl(), sinkDb, t));
    if (diff) return `${at}${diff}`;
    const [a, b] = [await checksum(sourceUrl(), srcDb, t), await checksum(sinkUrl(), sinkDb, t)];
    return a === b ? null : `${at}CHECKSUM TABLE differs: source ${a}, sink ${b}`;
  });
}

// ---------------------------------------------------------------------------------------------------
// A CLI run in the background, and waits that fail as soon as it exits

/** A CLI started in the background, with its combined stdout and stderr readable while it runs. */
export interface LiveCli {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** stdout and stderr so far, interleaved as they arrived. */
  out: () => string;
  exited: () => boolean;
}

export function startLive(args: string[]): LiveCli {
  const { child, done } = startCli(args);
  let out = '';
  let exited = false;
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  void done.then(() => (exited = true));
  return { child, done, out: () => out, exited: () => exited };
}

/** Starts `cutover run` of a job file in the background and waits (up to 2 min) until the job is streaming; kills it if it never gets there. */
export async function startStreaming(jobPath: string, stateFile: string): Promise<LiveCli> {
  const live = startLive(['run', jobPath, '--state', stateFile]);
  try {
    await waitUntil('the streaming phase', () => peekJob(stateFile)?.phase === 'streaming', { live, ms: 120_000 });
    return live;
  } catch (e) {
    await killLive(live);
    throw e;
  }
}

/** Fails with the CLI's exit status and output if it has exited; `what` says what it was expected to be doing. */
export async function assertStillRunning(live: LiveCli, what: string): Promise<void> {
  if (live.exited()) assert.fail(`${what}: the CLI exited\n${describeRun(await live.done)}`);
}

/** In a `finally`: SIGKILLs the CLI if it is still running and waits for it to go. */
export async function killLive(live: LiveCli | null): Promise<void> {
  if (live && !live.exited()) {
    live.child.kill('SIGKILL');
    await live.done;
  }
}

/** SIGTERM: the stream stops after the batch in flight, with exit code 130 (SIGKILL after a minute). */
export async function stopWithSigterm(live: LiveCli): Promise<CliResult> {
  assert.equal(live.exited(), false, `the CLI exited before SIGTERM:\n${live.out().slice(-6000)}`);
  live.child.kill('SIGTERM');
  const guard = setTimeout(() => live.child.kill('SIGKILL'), 60_000);
  try {
    const r = await live.done;
    assert.equal(r.code, 130, `SIGTERM should stop the stream with exit code 130\n${describeRun(r)}`);
    return r;
  } finally {
    clearTimeout(guard);
  }
}

/** A stack trace line in CLI output (the CLI must report errors without one). */
export const STACK_TRACE = /^\s+at /m;

/** What a wait needs besides its condition. */
export interface WaitOptions {
  /** Fail after this long (default 60 s). */
  ms?: number;
  /** A CLI that must keep running meanwhile: fail at once, with its output, if it exits. */
  live?: LiveCli | null;
  /** Called before every poll; throws to stop waiting (e.g. when a concurrent writer has failed). */
  guard?: () => Promise<void> | void;
  /** More for the failure message. */
  detail?: () => string | Promise<string>;
  /** Poll interval (default 200 ms). */
  everyMs?: number;
}

/** waitFor with WaitOptions: stops early when `o.guard` throws or `o.live` exits; a timeout shows the CLI's output so far. */
export async function waitUntil<T>(what: string, check: () => Promise<T | null | undefined | false> | T | null | undefined | false, o: WaitOptions = {}): Promise<T> {
  const { live, guard, detail } = o;
  return waitFor(
    what,
    o.ms ?? 60_000,
    async () => {
      await guard?.();
      const v = await check();
      if (!v && live) await assertStillRunning(live, `while waiting for ${what}`);
      return v;
    },
    detail || live
      ? async () => [detail ? await detail() : '', live ? `--- CLI output so far ---\n${live.out().slice(-6000)}` : ''].filter(Boolean).join('\n')
      : undefined,
    o.everyMs ?? 200,
  );
}

/** Waits until the sink checkpoint of `job` is at or past `target` (`what` names it), and returns the checkpoint. */
export async function waitForCheckpoint(job: string, target: FilePosition, what: string, o: WaitOptions = {}): Promise<FilePosition> {
  let last: FilePosition | null = null;
  return waitUntil(
    `the sink checkpoint of ${job} to reach ${what} ${fmt(target)}`,
    async () => {
      last = await sinkCheckpoint(job);
      return reached(last, target) ? last : null;
    },
    { ...o, detail: async () => `last checkpoint seen: ${fmt(last)}${o.detail ? `; ${await o.detail()}` : ''}` },
  );
}

/** Waits until the sink has applied all the source has written so far (the sink checkpoint of `job` reaches the source's binlog end as of this call); returns that end. */
export async function waitCaughtUp(job: string, o: WaitOptions = {}): Promise<FilePosition> {
  const target = await sourcePosition();
  await waitForCheckpoint(job, target, "the source's binlog end", o);
  return target;
}

// ---------------------------------------------------------------------------------------------------
// Job files, set-up and clean-up

/** A job copying/streaming `db.*` from the test source to the test sink; `extra` adds or overrides keys (mode defaults to snapshot+stream). */
export function jobSpec(name: string, db: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    source: { url: sourceUrl() },
    sink: { type: 'mysql', url: sinkUrl() },
    tables: { include: [`${db}.*`] },
    mode: 'snapshot+stream',
    ...extra,
  };
}

/** jobSpec with 100-row chunks on two workers and batches applied within 100 ms, so a short test sees its changes quickly. */
export function quickJob(name: string, db: string, mode = 'snapshot+stream', stream: Record<string, unknown> = {}): Record<string, unknown> {
  return jobSpec(name, db, { mode, snapshot: { chunkRows: 100, parallelism: 2 }, stream: { batch: { maxDelayMs: 100 }, ...stream } });
}

/** The writer's seed: CUTOVER_TEST_SEED when set (to repeat a failing run), else a random one. */
export function testSeed(): number {
  return Number(process.env.CUTOVER_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
}

/** Creates the schema of schemaSql on the source and ANALYZEs its tables, so the copy sees current row estimates. */
export async function createSourceSchema(db: string, sizes: SchemaSizes): Promise<void> {
  await exec(sourceUrl(), schemaSql(db, sizes));
  await exec(sourceUrl(), `ANALYZE TABLE ${tablesOf(sizes).map((t) => `${q(db)}.${q(t)}`).join(', ')}`);
}

/**
 * Removes what a streaming test left on the servers: the source and sink databases and the job's sink
 * checkpoint row (a missing checkpoint table is fine). `bestEffort` ignores every error, for `finally`
 * blocks where a failed clean-up must not hide the test's own failure.
 */
export async function dropStreamTest(job: string, srcDb: string, sinkDb = srcDb, bestEffort = false): Promise<void> {
  const step = (p: Promise<unknown>): Promise<unknown> => (bestEffort ? p.catch(() => undefined) : p);
  await step(exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`));
  await step(exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}`));
  await query(sinkUrl(), 'DELETE FROM _cutover.cutover_checkpoint WHERE job = ?', [job]).catch(() => undefined);
}

/** Temporary directories for a suite; call `removeAll` from its `after`. */
export class TempDirs {
  private readonly dirs: string[] = [];
  constructor(private readonly prefix: string) {}
  /** A new empty directory. */
  make(): string {
    const d = tempDir(this.prefix);
    this.dirs.push(d);
    return d;
  }
  removeAll(): void {
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** What one streaming test works with: unique database and job names, a new directory and the state file in it. */
export interface StreamCase {
  db: string;
  job: string;
  dir: string;
  state: string;
}

/** A StreamCase for the test `name`: job uniqueName(name), database uniqueName of `name` with '_' for '-', a new directory of `dirs`. */
export function newStreamCase(dirs: TempDirs, name: string): StreamCase {
  const dir = dirs.make();
  return { db: uniqueName(name.replace(/-/g, '_')), job: uniqueName(name), dir, state: join(dir, 'state.db') };
}

/** The names a concurrent-writer test uses: a unique job name, its source database and the sink database it is renamed to. */
export interface WriterTestNames {
  jobName: string;
  srcDb: string;
  sinkDb: string;
}

export function writerTestNames(tag: string): WriterTestNames {
  const jobName = uniqueName(tag);
  return { jobName, srcDb: `${jobName}_src`, sinkDb: `${jobName}_sink` };
}

/** A snapshot+stream job for a concurrent-writer test: its source database renamed to its sink database, with these snapshot settings. */
export function writerTestJob(n: WriterTestNames, snapshot: Record<string, unknown>): Record<string, unknown> {
  return jobSpec(n.jobName, n.srcDb, { rename: { [n.srcDb]: n.sinkDb }, snapshot });
}
