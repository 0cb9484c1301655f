// The row images in a Kafka message of each format, as text that is equal exactly when the row values
// are: Debezium's payload `after`/`before`, Canal's `data[0]` (before = data with `old[0]` laid over it),
// Maxwell's `data` (likewise with `old`). Envelope fields (ts_ms, source, position, op, …) are left out,
// so a row published by the copy (a read event) and the same row published by the stream compare equal.
// Values stay as the format wrote them (no JSON.parse of numbers: BIGINT UNSIGNED and DECIMAL keep every
// digit); members are rewritten in one canonical spelling so merged and unmerged images compare.
import type { KafkaFormat } from './formats/index.js';
import { rawAt, rawMembers } from './json-slice.js';

export interface MessageImage {
  /** The source table the message is about. */
  db: string;
  table: string;
  /** put: the row now has `after`; delete: the row `before` is gone. */
  kind: 'put' | 'delete';
  after: string | null;
  /** The row before the change (deletes and updates); null when the message does not carry it. */
  before: string | null;
}

/** An object's members, re-joined without whitespace: {"a":1,"b":"x"}. */
export function canonicalRow(raw: string): string {
  return '{' + rawMembers(raw).map(([n, v]) => JSON.stringify(n) + ':' + v).join(',') + '}';
}

/** `data` with the members of `old` (the changed columns' previous values) laid over it. */
export function mergeRow(data: string, old: string | undefined): string {
  if (!old || old === 'null') return canonicalRow(data);
  const before = new Map(rawMembers(old));
  return '{' + rawMembers(data).map(([n, v]) => JSON.stringify(n) + ':' + (before.get(n) ?? v)).join(',') + '}';
}

const str = (raw: string | undefined): string | null => (raw === undefined || raw === 'null' ? null : (JSON.parse(raw) as string));
const row = (raw: string | undefined): string | null => (raw === undefined || raw === 'null' ? null : canonicalRow(raw));

/** The row images of a message value; null when it is not a row change (DDL, bootstrap markers). */
export function messageImage(format: KafkaFormat, value: string): MessageImage | null {
  switch (format) {
    case 'debezium': {
      const op = str(rawAt(value, ['op']));
      if (!op || !'rcud'.includes(op)) return null;
      const db = str(rawAt(value, ['source', 'db'])) ?? '';
      const table = str(rawAt(value, ['source', 'table'])) ?? '';
      const before = row(rawAt(value, ['before']));
      if (op === 'd') return { db, table, kind: 'delete', after: null, before };
      return { db, table, kind: 'put', after: row(rawAt(value, ['after'])), before };
    }
    case 'canal': {
      const type = str(rawAt(value, ['type']));
      if (type !== 'INSERT' && type !== 'UPDATE' && type !== 'DELETE') return null;
      const db = str(rawAt(value, ['database'])) ?? '';
      const table = str(rawAt(value, ['table'])) ?? '';
      const data = rawAt(value, ['data', 0]);
      if (data === undefined) return null;
      if (type === 'DELETE') return { db, table, kind: 'delete', after: null, before: canonicalRow(data) };
      return { db, table, kind: 'put', after: canonicalRow(data), before: type === 'UPDATE' ? mergeRow(data, rawAt(value, ['old', 0])) : null };
    }
    case 'maxwell': {
      const type = str(rawAt(value, ['type']));
      if (type !== 'insert' && type !== 'update' && type !== 'delete' && type !== 'bootstrap-insert') return null;
      const db = str(rawAt(value, ['database'])) ?? '';
      const table = str(rawAt(value, ['table'])) ?? '';
      const data = rawAt(value, ['data']);
      if (data === undefined) return null;
      if (type === 'delete') return { db, table, kind: 'delete', after: null, before: canonicalRow(data) };
      return { db, table, kind: 'put', after: canonicalRow(data), before: type === 'update' ? mergeRow(data, rawAt(value, ['old'])) : null };
    }
  }
}
