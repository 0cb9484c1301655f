// The wizard's mapping preview for a PostgreSQL sink: each column's type by the sink's own rules (types.ts,
// or the job's override), and the sample rows' values as the copy would write them (values.ts), under the
// job's policy for values PostgreSQL cannot hold. Nothing is written; the same code that copies decides.
import { CutoverError } from '../../../shared/errors.js';
import type { MappingPreviewColumn, MappingPreviewSample } from '../../../shared/mapping-preview.js';
import type { RawValue } from '../../core/rows.js';
import type { ColumnInfo } from '../../core/tables.js';
import { keyText } from '../../mysql/packet-limit.js';
import { bytesToHex, valueKind } from '../../mysql/values.js';
import type { MappingPreviewInput } from '../driver.js';
import { sourceSql } from '../../compare/sink-verifier.js';
import { charsetReady, decoderFor, loadSourceCharsets } from './charsets.js';
import { pgColumnType, type UnholdablePolicy } from './types.js';
import { GEOMETRY_TYPES } from './postgis.js';
import { pgTextEncoder, type ValueContext } from './values.js';

const POLICIES: readonly UnholdablePolicy[] = ['stop', 'null', '-infinity', 'text'];
const SHOWN = 200;

const cut = (s: string): string => (s.length > SHOWN ? `${s.slice(0, SHOWN)}…` : s);

/** The job file's "unholdable" and "types" among the sink options (defaults when absent or not valid). */
export function previewOptions(o: Record<string, unknown>): { policy: UnholdablePolicy; types: Record<string, string> } {
  const policy = POLICIES.includes(o.unholdable as UnholdablePolicy) ? (o.unholdable as UnholdablePolicy) : 'stop';
  const types: Record<string, string> = {};
  if (o.types && typeof o.types === 'object') for (const [k, v] of Object.entries(o.types)) if (typeof v === 'string' && v.trim()) types[k] = v.trim();
  return { policy, types };
}

/** A source value as the operator reads it: text decoded from its charset, bytes as 0x…, the rest as the server's text. */
export function sourceText(c: ColumnInfo, raw: RawValue): string | null {
  if (raw === null) return null;
  const kind = valueKind(c);
  if (kind === 'text' || kind === 'enum' || kind === 'json') {
    try {
      const s = decoderFor(c)(raw);
      if (s !== null) return cut(s);
    } catch {
      // a charset without a decoder: shown as bytes
    }
    return cut(`0x${bytesToHex(raw)}`);
  }
  if (kind === 'binary' || kind === 'opaque' || kind === 'bit') return cut(`0x${bytesToHex(raw)}`);
  return cut(raw);
}

function sample(c: ColumnInfo, raw: RawValue, enc: ReturnType<typeof pgTextEncoder>, strict: ValueContext, job: ValueContext): MappingPreviewSample {
  const source = sourceText(c, raw);
  let unholdable = false;
  try {
    enc(raw, strict);
  } catch (e) {
    if (!(e instanceof CutoverError)) throw e;
    unholdable = true;
  }
  try {
    const v = enc(raw, job);
    return { source, sink: v === null ? null : cut(v), ...(unholdable ? { unholdable } : {}) };
  } catch (e) {
    if (!(e instanceof CutoverError)) throw e;
    return { source, sink: null, unholdable: true, problem: `${e.message} ${e.fix ?? ''}`.trim() };
  }
}

export async function previewPgMapping(i: MappingPreviewInput): Promise<MappingPreviewColumn[]> {
  const { policy, types } = previewOptions(i.sinkOptions);
  const needed = new Set(i.columns.map((c) => c.charset).filter((cs): cs is string => !charsetReady(cs)));
  if (needed.size) await loadSourceCharsets(sourceSql(i.source, 'The PostgreSQL mapping preview'), needed);
  const names = i.columns.map((c) => c.name);
  const [db, table] = [i.table.slice(0, i.table.indexOf('.')), i.table.slice(i.table.indexOf('.') + 1)];
  return i.columns.map((c, col) => {
    const key = i.keyColumns.includes(c.name);
    const override = types[`${db}.${table}.${c.name}`];
    let sinkType: string | null = null;
    let rule: string;
    let error: string | undefined;
    try {
      const t = pgColumnType(c, { override, unholdable: policy });
      sinkType = t.sql;
      rule = t.rule;
      // The preview does not connect to the sink: the copy decides between bytea and PostGIS there.
      if (!override && GEOMETRY_TYPES.has(c.dataType.toLowerCase())) rule += '; PostGIS geometry instead when the sink database has the postgis extension';
    } catch (e) {
      if (!(e instanceof CutoverError)) throw e;
      rule = `${c.columnType}: no rule`;
      error = `${e.message} ${e.fix ?? ''}`.trim();
    }
    let row: readonly RawValue[] = [];
    const base = { table: `${i.sink.db}.${i.sink.table}`, key: () => keyText(i.keyColumns, names, row) };
    // As the copy writes keys: "null" and "-infinity" would make two keys one, so a key column stops instead.
    const job: ValueContext = { ...base, policy: key && policy !== 'text' ? 'stop' : policy };
    // What the sink cannot hold as it is ("text" creates date columns as text: their values are held).
    const strict: ValueContext = { ...base, policy: policy === 'text' ? 'text' : 'stop' };
    const enc = pgTextEncoder(c);
    const samples = error
      ? i.rows.map((r) => ({ source: sourceText(c, r[col] ?? null), sink: null }))
      : i.rows.map((r) => {
          row = r;
          return sample(c, r[col] ?? null, enc, strict, job);
        });
    return { name: c.name, sourceType: c.columnType, sinkType, rule, overridden: !!override, nullable: c.nullable, key, samples, ...(error ? { error } : {}) };
  });
}
