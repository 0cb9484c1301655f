// What SourceWriter does to the source: its weighted operations on each table, and the model of the
// keys they keep so every statement affects exactly the rows it means to.
import { q } from './db.js';
import { TYPES_STEP, U64_MAX, type SchemaSizes } from './source-schema.js';

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

/** One operation the writer picks, with its weight. */
export type Op = { name: string; weight: number; run: () => Promise<void> };

/** What the operations run through: the writer's PRNG, its checked statements and its transactions. */
export interface WriterSession {
  rnd: () => number;
  /** Runs a statement and checks how many rows it affected (null: not checked); returns the insert id. */
  x: (sql: string, params: unknown[], expect: number | null) => Promise<number>;
  /** Runs `body` between BEGIN and COMMIT. */
  tx: (body: () => Promise<void>) => Promise<void>;
}

/**
 * The operations of a SourceWriter on the schema of source-schema.ts: inserts, repeated updates of the
 * same rows, deletes and re-inserts of the same key, primary-key changes, multi-table transactions, swaps
 * of UNIQUE values and keyless-table changes, each run through the writer's WriterSession.
 */
export class WriterOperations {
  private readonly rnd: () => number;
  private readonly x: WriterSession['x'];
  private readonly tx: WriterSession['tx'];

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
    session: WriterSession,
  ) {
    this.rnd = session.rnd;
    this.x = session.x;
    this.tx = session.tx;
    for (let i = 1; i <= sizes.uk; i++) {
      this.uk.add(i);
      this.ukU.set(i, i * 10);
    }
    this.nextU = sizes.uk * 10 + 1_000_000;
    for (let s = 1; s <= sizes.comp; s++) this.comp.add([Math.floor(s / 3), `k${s % 3}`]);
    for (let s = 1; s <= sizes.types; s++) this.types.add(U64_MAX - BigInt(sizes.types - s) * TYPES_STEP);
  }

  /** Every operation with its name and weight (t_log appends only when the schema has t_log). */
  list(): Op[] {
    const o = (name: string, weight: number, run: () => Promise<void>): Op => ({ name, weight, run });
    return [
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
      ...(this.sizes.log > 0 ? [o('log append', 10, () => this.logAppend())] : []),
    ];
  }

  private int(n: number): number {
    return Math.floor(this.rnd() * n);
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
