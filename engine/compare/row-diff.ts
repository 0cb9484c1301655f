// Which rows differ between the two listings of one key range, and how (pure, no connection here).
//
// Keys are matched by their exact bytes (equality only: no key is ordered or compared in JavaScript,
// so collations and unsigned numbers never matter here). A key on the source only is `missing`, on the
// sink only `extra`, on both with another row hash `different`. A table without a key is compared as
// a multiset of row hashes: a hash one side holds more often is missing or extra by that many copies.
//
// While the stream runs, a listing pair can differ only because the sink had not applied the latest
// changes yet (or had applied newer ones): a difference counts once it is seen the same way — same
// key, kind and hashes on both sides — in two consecutive rounds (see stableDiffs).
import type { RowMismatch } from '../../shared/verify.js';
import { bytesToHex, valueKind } from '../mysql/values.js';
import type { RawValue } from '../core/rows.js';
import type { ColumnInfo } from '../core/tables.js';

export type { ListedRow } from '../mysql/chunk-sums.js';
import type { ListedRow } from '../mysql/chunk-sums.js';

export interface RowDiff {
  kind: RowMismatch['kind'];
  /** Key values (raw bytes); empty for a table without a key. */
  key: RawValue[];
  /** Row hash on each side (null: not there). For a keyless table both sides name the same hash. */
  source: string | null;
  sink: string | null;
  /** Keyless: how many more copies one side has. */
  count?: number;
}

/** A string that identifies a key by its exact bytes (lengths prefixed, so no two keys share one). */
export function keyId(key: readonly RawValue[]): string {
  let s = '';
  for (const v of key) s += v === null ? 'N;' : `${v.length}:${v};`;
  return s;
}

/** Rows of two listings of the same key range, compared by key. */
export function diffKeyed(source: readonly ListedRow[], sink: readonly ListedRow[]): RowDiff[] {
  const onSink = new Map<string, ListedRow>();
  for (const r of sink) onSink.set(keyId(r.key), r);
  const out: RowDiff[] = [];
  for (const r of source) {
    const id = keyId(r.key);
    const other = onSink.get(id);
    if (!other) out.push({ kind: 'missing', key: r.key, source: r.hash, sink: null });
    else {
      onSink.delete(id);
      if (other.hash !== r.hash) out.push({ kind: 'different', key: r.key, source: r.hash, sink: other.hash });
    }
  }
  for (const r of onSink.values()) out.push({ kind: 'extra', key: r.key, source: null, sink: r.hash });
  return out;
}

/** Two multisets of row hashes (hash → copies), compared. */
export function diffMultiset(source: ReadonlyMap<string, number>, sink: ReadonlyMap<string, number>): RowDiff[] {
  const out: RowDiff[] = [];
  for (const [hash, n] of source) {
    const m = sink.get(hash) ?? 0;
    if (n > m) out.push({ kind: 'missing', key: [], source: hash, sink: m ? hash : null, count: n - m });
  }
  for (const [hash, m] of sink) {
    const n = source.get(hash) ?? 0;
    if (m > n) out.push({ kind: 'extra', key: [], source: n ? hash : null, sink: hash, count: m - n });
  }
  return out;
}

/** How many rows a multiset of row hashes holds. */
export function multisetSize(m: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}

function diffId(d: RowDiff): string {
  return `${d.kind}|${keyId(d.key)}|${d.source ?? '-'}|${d.sink ?? '-'}|${d.count ?? ''}`;
}

/**
 * The differences of `current` seen exactly the same way in `previous` (stable: reported), and the
 * others (still moving: compared again).
 */
export function stableDiffs(previous: readonly RowDiff[] | null, current: readonly RowDiff[]): { stable: RowDiff[]; moving: RowDiff[] } {
  const before = new Set((previous ?? []).map(diffId));
  const stable: RowDiff[] = [];
  const moving: RowDiff[] = [];
  for (const d of current) (before.has(diffId(d)) ? stable : moving).push(d);
  return { stable, moving };
}

/** Bytes as text: valid UTF-8 decoded, every other byte as \xNN. */
export function displayBytes(v: string): string {
  const b = Buffer.from(v, 'latin1');
  let out = '';
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    let ok = n > 0 && i + n <= b.length;
    for (let k = 1; ok && k < n; k++) ok = (b[i + k]! & 0xc0) === 0x80;
    if (ok && n > 1) {
      const text = new TextDecoder('utf-8', { fatal: false }).decode(b.subarray(i, i + n));
      ok = !text.includes('\ufffd'); // overlong forms and surrogates
      if (ok) out += text;
    } else if (ok) out += String.fromCharCode(c);
    if (ok) i += n;
    else {
      out += `\\x${c.toString(16).padStart(2, '0')}`;
      i++;
    }
  }
  return out;
}

/** A key value as text: BIT as its unsigned number, anything else as its bytes (displayBytes). */
export function displayKeyValue(c: Pick<ColumnInfo, 'dataType'>, v: string): string {
  if (valueKind(c) === 'bit') return v.length ? BigInt('0x' + bytesToHex(v)).toString() : '0';
  return displayBytes(v);
}

/** A difference as the report shows it: key columns → text, the key's exact bytes as hex. */
export function toMismatch(d: RowDiff, keyColumns: readonly Pick<ColumnInfo, 'name' | 'dataType'>[]): RowMismatch {
  if (!keyColumns.length) {
    const m: RowMismatch = { key: { row: d.source ?? d.sink }, hex: [], kind: d.kind };
    if (d.count !== undefined) m.count = d.count;
    return m;
  }
  const key: Record<string, string | null> = {};
  keyColumns.forEach((c, i) => {
    const v = d.key[i] ?? null;
    key[c.name] = v === null ? null : displayKeyValue(c, v);
  });
  return { key, hex: d.key.map((v) => (v === null ? null : bytesToHex(v))), kind: d.kind };
}

/** The raw key values of a reported mismatch (from its hex). */
export function keyOfMismatch(m: RowMismatch): RawValue[] {
  return m.hex.map((h) => (h === null ? null : Buffer.from(h, 'hex').toString('latin1')));
}
