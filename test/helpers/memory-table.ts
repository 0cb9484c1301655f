// The stream unit tests' one table "shop.t" (id, v) and their checks: the sink holds what the source
// holds, and no transaction was applied twice or out of order.
import assert from 'node:assert/strict';
import { MemorySource, tableInfo } from './memory-source.js';
import type { MemorySink } from './memory-sink.js';
import { comparePositions } from '../../engine/core/position.js';

export const T = 'shop.t';

/** A source with table shop.t holding rows (1, 'v1') … (rows, 'v<rows>'). */
export function newSource(rows: number): MemorySource {
  const s = new MemorySource();
  s.addTable(tableInfo('shop', 't'), Array.from({ length: rows }, (_, i) => [String(i + 1), `v${i + 1}`]));
  return s;
}

/** The sink holds what the source holds in shop.t. */
export function assertSameRows(source: MemorySource, sink: MemorySink): void {
  const want = [...source.tables.get(T)!.rows.values()].sort((a, b) => Number(a[0]) - Number(b[0]));
  assert.deepEqual(sink.rows(T), want);
}

/** The sink's applied transaction ends are strictly increasing: none applied twice or out of order. */
export function assertNoDoubleApply(sink: MemorySink): void {
  for (let i = 1; i < sink.appliedEnds.length; i++) assert.ok(comparePositions(sink.appliedEnds[i - 1]!, sink.appliedEnds[i]!) < 0, `transaction at ${sink.appliedEnds[i]!.pos} applied twice or out of order`);
}
