// The concurrent writer of the streaming tests: SourceWriter changes the source from its own connection
// until stopped (its operations are in source-writer-ops.ts), with the seed that makes a run repeatable.
import assert from 'node:assert/strict';
import mysql from 'mysql2/promise';
import { sourceUrl } from './db.js';
import type { SchemaSizes } from './source-schema.js';
import { WriterOperations, type Op } from './source-writer-ops.js';
import { sleep } from './stream.js';

export { prng } from '../../engine/demo/prng.js';
import { prng } from '../../engine/demo/prng.js';

/** The writer's seed: CUTOVER_TEST_SEED when set (to repeat a failing run), else a random one. */
export function testSeed(): number {
  return Number(process.env.CUTOVER_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
}

export interface WriterStats {
  /** Committed source transactions. */
  transactions: number;
  /** Row changes those transactions made (as counted by affectedRows). */
  rowChanges: number;
  /** Per operation: how many times it committed. */
  ops: Record<string, number>;
}

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
  private readonly ops: Op[];

  constructor(
    db: string,
    sizes: SchemaSizes,
    readonly seed: number,
    /** Pause between transactions (ms); 0: as fast as the connection goes. */
    private readonly pauseMs = 2,
  ) {
    this.rnd = prng(seed);
    const ops = new WriterOperations(db, sizes, {
      rnd: this.rnd,
      x: (sql, params, expect) => this.x(sql, params, expect),
      tx: (body) => this.tx(body),
    }).list();
    // For investigating a failure only: CUTOVER_TEST_WRITER_SKIP="uk unique swap,uk primary key change"
    // leaves those operations out (comma-separated substrings of op names). Unset in normal runs.
    const skip = (process.env.CUTOVER_TEST_WRITER_SKIP ?? '').split(',').map((x) => x.trim()).filter(Boolean);
    this.ops = skip.length ? ops.filter((op) => !skip.some((x) => op.name.includes(x))) : ops;
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
}
