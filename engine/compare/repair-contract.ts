// What a repair is, for every sink that can do one (capability `repair`): the tables a verification
// found different, the job's run state, and what the repair rewrote. A sink's driver implements it
// (SinkDriver.repair); the refusals that do not depend on the sink are here.
import { CutoverError } from '../../shared/errors.js';
import type { JobConfig } from '../../shared/job-config.js';
import type { PositionOrder, SourcePosition } from '../core/position.js';
import type { SourceSession } from '../source/driver.js';
import type { VerifyTableResult } from '../../shared/verify.js';
import type { Logger } from '../core/logger.js';
import type { StateStore } from '../state/store.js';
import type { VerifyTable } from './chunk-checksum.js';

export interface RepairTarget {
  table: VerifyTable;
  result: VerifyTableResult;
}

export interface RepairOptions {
  cfg: JobConfig;
  store: StateStore;
  jobId: number;
  targets: RepairTarget[];
  /** The job's process is running (keyless tables are then refused). */
  running: boolean;
  log: Logger;
  /**
   * Opens a data session (raw bytes) on the job's source, through its driver; the repair closes it. A sink
   * whose repair runs the source's own SQL on the snapshot it reads (the PostgreSQL sink's canonical row
   * hashes) does so through the session's `query`.
   */
  openSource(): Promise<SourceSession>;
  /** How the source's positions are ordered and shown. */
  positions: PositionOrder;
}

export interface RepairDone {
  /** Rows rewritten (keys deleted and written again) per source table "db.table". */
  rows: Map<string, number>;
  /** The source position the repaired rows are at. */
  at: SourcePosition;
}

/** A sink kind without the `repair` capability, as its descriptor explains it. */
export interface RepairUnavailable {
  title: string;
  noRepair?: { why: string; instead: string };
}

/** Why a sink of this kind cannot repair (the refusal of `--repair-from`). */
export function repairUnavailable(kind: RepairUnavailable): CutoverError {
  return new CutoverError(
    `Repair is not available for ${kind.title} sinks yet${kind.noRepair ? `: ${kind.noRepair.why}` : ''}.`,
    kind.noRepair ? `${kind.noRepair.instead}.` : 'Copy the tables again (`cutover run --resnapshot`).',
    'STATE',
  );
}

/** What a verification report says of repair on a sink of this kind. */
export function repairNote(kind: RepairUnavailable & { capabilities: { repair: boolean } }): { available: boolean; note: string | null } {
  if (kind.capabilities.repair) return { available: true, note: null };
  return { available: false, note: `Repair is not available for ${kind.title} sinks yet${kind.noRepair ? `: ${kind.noRepair.instead}` : ''}.` };
}

/**
 * Tables without a key cannot be repaired while the job runs (null: these targets can be): such a table
 * is repaired by copying it again, and replaying an insert is not idempotent.
 */
export function keylessRefusal(targets: RepairTarget[], running: boolean): CutoverError | null {
  const keyless = targets.filter((t) => !t.table.keyColumns.length).map((t) => t.result.table);
  if (keyless.length && running)
    return new CutoverError(
      `${keyless.join(', ')} ${keyless.length > 1 ? 'have' : 'has'} no primary or unique key: such a table is repaired by copying it again, which cannot be done while the job's stream runs (replaying an insert is not idempotent).`,
      'Pause the job, then repair (the resumed stream skips what the new copy holds); or repair the tables with a key first.',
      'STATE',
    );
  return null;
}

/**
 * After the sink committed a repair at source position `at` (a consistent snapshot's): keyless tables
 * copied again record `at` as their snapshot position, so the resumed stream skips their changes up to
 * it; each table's rewritten rows are logged, with where the stream (at `streamAt`, if it has a
 * checkpoint) reconciles from.
 */
export function repairCommitted(o: RepairOptions, rows: Map<string, number>, at: SourcePosition, streamAt: SourcePosition | null): RepairDone {
  if (o.cfg.mode !== 'snapshot') {
    for (const target of o.targets) {
      if (target.table.keyColumns.length) continue;
      const row = o.store.tables(o.jobId).find((r) => `${r.src_db}.${r.src_table}` === target.result.table);
      if (row) o.store.setTable(row.id, { snapshot_position: JSON.stringify(at) });
    }
  }
  for (const [table, n] of rows)
    o.log.info(
      `repair: ${n} row(s) copied again at source position ${o.positions.format(at)}${streamAt ? ` (the stream, at ${o.positions.format(streamAt)}, reconciles its changes up to there)` : ''}`,
      table,
    );
  return { rows, at };
}
