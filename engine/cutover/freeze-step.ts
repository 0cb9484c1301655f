// The freeze steps of the cutover: read-only on the source, proven by watching its change stream (any row
// change of the job's tables after the read-only point fails the step and names the sessions that write
// through it); then fence, drain, stop: the fence is written once the freeze is proven, the stream applies up
// to it and stops for good (the job becomes `switched`). Each proof is read again from the freeze point at the
// fence and before the triggers are created, so a write that slipped through later is never missed.
import type { FreezeReport, SourceSessionInfo, WriteBypass } from '../../shared/cutover.js';
import { CutoverError } from '../../shared/errors.js';
import type { JobConfig } from '../../shared/job-config.js';
import { mysqlSourceUrl } from '../../shared/job-config.js';
import type { SourcePosition } from '../core/position.js';
import { parseMysqlUrl } from '../mysql/connection.js';
import { effectiveState } from '../pipeline/job-status.js';
import { loadSource, sourceOf } from '../source/registry.js';
import type { SourceDriver, SourceSession } from '../source/driver.js';
import type { StepJournal, StepResult } from '../state/cutover-store.js';
import type { JobRow, StateStore } from '../state/store.js';
import type { CrashHook } from './crash-point.js';
import { fenceReached, type FenceMark } from './fence.js';
import { watchFreeze, type FreezeWatch } from './freeze-watch.js';

export type Outcome = { state: 'done' | 'failed'; result: StepResult };

/** What the freeze step keeps (its result's data): the raw freeze point for the later proofs. */
export interface FreezeData {
  freezeAt: SourcePosition;
  previous: FreezeReport['previous'];
  bypass: WriteBypass | null;
  openTransactions: SourceSessionInfo[];
  watch: FreezeWatch;
}

export const JOB_SWITCHED = 'switched';
const FENCE_TIMEOUT_MS = 5 * 60_000;
const FENCE_REWRITE_MS = 5_000;

async function withSource<T>(config: JobConfig, f: (s: SourceSession, d: SourceDriver) => Promise<T>): Promise<T> {
  const driver = await loadSource(config);
  const session = await driver.openSession(parseMysqlUrl(mysqlSourceUrl(config, 'The cutover freeze')));
  try {
    return await f(session, driver);
  } finally {
    await session.close().catch(() => undefined);
  }
}

/** The position the sink has applied (the job's stream state), as a source position; null when none. */
export function appliedPosition(driver: SourceDriver, row: JobRow | undefined): (SourcePosition & { gtid: string | null }) | null {
  const applied = row?.stream_state ? (JSON.parse(row.stream_state) as { applied?: { file: string; pos: number; gtid: string | null } | null }).applied : null;
  const p = applied ? driver.positions.parse(applied) : null;
  return p && applied ? { ...p, gtid: applied.gtid } : null;
}

export function openTransactionsOf(config: JobConfig): Promise<SourceSessionInfo[]> {
  return withSource(config, async (s) => (s.openTransactions ? await s.openTransactions() : []));
}

const who = (s: SourceSessionInfo): string => `#${s.id} ${s.user}@${s.host} (${s.command}, ${s.timeSeconds} s${s.privilege ? `, ${s.privilege}` : ''})`;

export interface FreezeHooks {
  /** Journals the read-only values the source had before the freeze, before read-only is set. */
  record(previous: FreezeReport['previous']): void;
  crash: CrashHook;
}

/**
 * Read-only on, then the proof. `earlier`: what read_only was before the cutover, as the journal recorded it
 * (a rerun, after a failure or a crash, keeps that value although read-only is on by then).
 */
export async function freezeStep(store: StateStore, row: JobRow, config: JobConfig, watchMs: number, earlier: FreezeReport['previous'] | null, hooks: FreezeHooks): Promise<Outcome> {
  return withSource(config, async (session, driver) => {
    if (!session.freezeWrites) return { state: 'failed', result: { detail: `A ${sourceOf(config).title} source cannot be set read-only by Cutover.`, fix: 'Stop the application’s writes yourself and switch by hand.' } };
    const openTransactions = session.openTransactions ? await session.openTransactions() : [];
    const journaled = earlier ?? (session.readOnlyState ? await session.readOnlyState() : null);
    if (journaled) hooks.record(journaled);
    hooks.crash('read-only:journaled');
    let report: FreezeReport;
    try {
      report = await session.freezeWrites();
      hooks.crash('read-only:after');
    } catch (e) {
      const err = e as { errno?: number; sqlMessage?: string };
      if (err.errno === 1227)
        return {
          state: 'failed',
          result: { detail: `The source refused: ${err.sqlMessage}`, fix: 'GRANT SUPER ON *.* TO the Cutover user (MySQL 8: SYSTEM_VARIABLES_ADMIN; MariaDB 10.11: READ_ONLY ADMIN), or set read_only = ON yourself and run this step again.' },
        };
      throw e;
    }
    const previous = journaled ?? report.previous;
    const freezeAt = (await session.currentStatus()).file;
    const applied = appliedPosition(driver, store.jobById(row.id));
    const from = applied && driver.positions.compare(applied, freezeAt) <= 0 ? applied : freezeAt;
    const watch = await watchFreeze({ cfg: config, driver, job: row.name, from, freezeAt, ms: watchMs, current: async () => (await session.currentStatus()).file });
    const facts = {
      statement: report.statement,
      previous: previous.readOnly ? 'ON' : 'OFF',
      freezePosition: driver.positions.format(freezeAt),
      lastWriteBefore: watch.lastBefore?.position ?? `none since ${watch.from}`,
      lastWriteBeforeGtid: watch.lastBefore?.gtid ?? null,
      watchedTo: watch.watchedTo,
      watchedSeconds: watchMs / 1000,
      writesAfterFreeze: watch.afterCount,
      openTransactions: openTransactions.length,
    };
    const own = report.bypass.accounts.filter((a) => a.cutover).map((a) => a.account);
    if (watch.afterCount) {
      const bypass = session.writeBypass ? await session.writeBypass() : report.bypass;
      const first = watch.after[0]!;
      const named = bypass.sessions.length
        ? `Sessions of accounts that bypass read_only: ${bypass.sessions.map((s) => `${who(s)} of ${s.account}`).join('; ')}.`
        : `No session of another account that bypasses read_only is connected now${own.length ? ` (Cutover’s own account ${own.join(', ')} does: is another program using it?)` : ''}.`;
      const revokes = bypass.accounts.filter((a) => !a.cutover).flatMap((a) => a.revoke);
      return {
        state: 'failed',
        result: {
          detail: `The freeze did not hold: ${watch.afterCount} transaction(s) changed the job’s tables after read-only was set at ${facts.freezePosition} (the first at ${first.position}, on ${first.table}). ${named}`,
          fix: `Kill those sessions (Kill sessions, below) or stop the application, then run this step again to re-check. ${revokes.length ? `So that read_only holds for them: ${revokes.join('; ')}.` : ''}`.trim(),
          facts,
          data: { freezeAt, previous, bypass, openTransactions, watch } satisfies FreezeData,
        },
      };
    }
    const before = watch.lastBefore ? `the last write to the job’s tables before it was at ${watch.lastBefore.position}` : `no write to the job’s tables since ${watch.from}`;
    return {
      state: 'done',
      result: {
        detail: `Frozen at ${facts.freezePosition} (${report.statement}; it was ${facts.previous}): ${before}, and none after it up to ${watch.watchedTo} (watched ${facts.watchedSeconds} s).${report.bypass.sessions.length ? ` Sessions that could still write: ${report.bypass.sessions.map(who).join('; ')}.` : ''}`,
        facts,
        data: { freezeAt, previous, bypass: report.bypass, openTransactions, watch } satisfies FreezeData,
      },
    };
  });
}

/** The source's read-only setting now (read_only, or super_read_only on MySQL), or null when the source cannot say. */
export async function readOnlyNow(config: JobConfig): Promise<boolean | null> {
  return withSource(config, async (s) => {
    if (!s.readOnlyState) return null;
    const now = await s.readOnlyState();
    return now.readOnly || now.superReadOnly;
  });
}

/** Lifts the freeze (undo). */
export async function thawStep(config: JobConfig, previous: FreezeReport['previous']): Promise<string[]> {
  return withSource(config, async (s) => {
    if (!s.thawWrites) throw new CutoverError(`A ${sourceOf(config).title} source cannot be set writable by Cutover.`, 'Lift read-only on the source yourself.', 'STATE');
    return s.thawWrites(previous);
  });
}

/** Ends the named sessions. */
export async function killStep(config: JobConfig, ids: number[]): Promise<{ killed: number[]; gone: number[] }> {
  return withSource(config, async (s) => {
    if (!s.killSessions) throw new CutoverError(`Cutover cannot end sessions on a ${sourceOf(config).title} source.`, 'End them on the server yourself.', 'STATE');
    return s.killSessions(ids);
  });
}

/** The freeze still holds: no change of the job's tables from the freeze point up to `until` (default: now). */
export async function freezeHolds(config: JobConfig, job: string, freeze: FreezeData, until?: SourcePosition): Promise<{ holds: boolean; watch: FreezeWatch }> {
  return withSource(config, async (session, driver) => {
    const current = async (): Promise<SourcePosition> => until ?? (await session.currentStatus()).file;
    const watch = await watchFreeze({ cfg: config, driver, job, from: freeze.freezeAt, freezeAt: freeze.freezeAt, ms: 0, current, stopAtFirst: true });
    return { holds: watch.afterCount === 0, watch };
  });
}

export interface FenceDeps {
  store: StateStore;
  /** Records the step's progress (running); `fence`: the fence as soon as it is written, for a rerun. */
  progress(result: StepResult, fence?: StepJournal['fence']): void;
  /** Stops the job's process and waits for it to exit. */
  stopJob(job: string): Promise<void>;
  crash: CrashHook;
  /** The fence an interrupted run of this step wrote (its journal), or null. */
  earlier: StepJournal['fence'] | null;
}

/**
 * Fence, drain, stop. Idempotent: a job already switched is reported as such; a job whose stream stopped
 * after applying the fence an interrupted run wrote (a crash between the stop and the record) is switched
 * once the freeze is proven up to that fence; otherwise a new fence is written.
 */
export async function fenceStep(d: FenceDeps, row: JobRow, config: JobConfig, freeze: FreezeData): Promise<Outcome> {
  const driver = await loadSource(config);
  const now = d.store.jobById(row.id)!;
  const earlierMark = d.earlier ? ({ position: d.earlier.at as SourcePosition, gtid: d.earlier.gtid } satisfies FenceMark) : null;
  const baseFacts = (m: FenceMark): Record<string, string | number | boolean | null> => ({ freezePosition: driver.positions.format(freeze.freezeAt), position: driver.positions.format(m.position), gtid: m.gtid });
  if (now.state === JOB_SWITCHED) {
    const drained = appliedPosition(driver, now);
    const facts = { ...(earlierMark ? baseFacts(earlierMark) : {}), drainPosition: drained ? driver.positions.format(drained) : null, drainGtid: drained?.gtid ?? null, writesAfterFreeze: 0, resumed: true };
    return { state: 'done', result: { detail: `The job is already switched: its stream stopped for good at ${String(facts.drainPosition)}.`, facts } };
  }
  if (earlierMark && effectiveState(now) !== 'running') {
    const drained = appliedPosition(driver, now);
    if (drained && fenceReached(earlierMark, { file: drained.file, pos: drained.pos, gtid: drained.gtid }))
      return switchAt(d, row, config, freeze, driver, earlierMark, { ...baseFacts(earlierMark), resumed: true });
  }
  const conn = await driver.openSession(parseMysqlUrl(mysqlSourceUrl(config, 'The cutover freeze')));
  let mark: FenceMark;
  let facts: Record<string, string | number | boolean | null>;
  try {
    if (!conn.writeFence) return { state: 'failed', result: { detail: `A ${sourceOf(config).title} source cannot write a fence row.`, fix: 'Stop the writes on the source, wait until the lag is 0, and switch by hand.' } };
    const writeFence = conn.writeFence.bind(conn);
    const first = await writeFence(row.name);
    const position = (await conn.currentStatus()).file;
    mark = { position, gtid: first.gtid };
    facts = { freezePosition: driver.positions.format(freeze.freezeAt), writtenAt: new Date(first.writtenAt).toISOString(), position: driver.positions.format(position), gtid: first.gtid };
    const fence = { position: driver.positions.format(position), gtid: first.gtid, at: position };
    d.progress({ detail: `Fence written at ${facts.position}${first.gtid ? ` (GTID ${first.gtid})` : ''}; waiting for the sink to apply it.`, facts }, fence);
    d.crash('fence:after');
    const deadline = Date.now() + FENCE_TIMEOUT_MS;
    let rewrittenAt = Date.now();
    for (;;) {
      const job = d.store.jobById(row.id)!;
      const applied = appliedPosition(driver, job);
      if (applied && fenceReached(mark, { file: applied.file, pos: applied.pos, gtid: applied.gtid })) {
        facts = { ...facts, appliedPosition: driver.positions.format(applied), waitedSeconds: Number(((Date.now() - first.writtenAt) / 1000).toFixed(1)) };
        break;
      }
      if (effectiveState(job) !== 'running') return { state: 'failed', result: { detail: 'The job stopped before the sink applied the fence.', fix: 'Start the job, then run this step again.', facts } };
      if (Date.now() > deadline) return { state: 'failed', result: { detail: `The sink had not applied the fence after ${FENCE_TIMEOUT_MS / 60_000} min.`, fix: 'Look at the job’s lag and log, then run this step again.', facts } };
      // Another beat now and then: a transaction the stream passes, so its applied position moves on.
      if (Date.now() - rewrittenAt > FENCE_REWRITE_MS) {
        await writeFence(row.name).catch(() => undefined);
        rewrittenAt = Date.now();
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await conn.close().catch(() => undefined);
  }
  return switchAt(d, row, config, freeze, driver, mark, facts);
}

/** The sink applied the fence: prove the freeze up to it, stop the stream (if it still runs), and mark the job switched. */
async function switchAt(d: FenceDeps, row: JobRow, config: JobConfig, freeze: FreezeData, driver: SourceDriver, mark: FenceMark, factsIn: Record<string, string | number | boolean | null>): Promise<Outcome> {
  let facts = factsIn;
  // The fence is applied: was anything written to the job's tables between the freeze and the fence?
  const proof = await freezeHolds(config, row.name, freeze, mark.position);
  if (!proof.holds) {
    const w = proof.watch.after[0]!;
    return {
      state: 'failed',
      result: { detail: `A write reached ${w.table} at ${w.position}, after the freeze at ${facts.freezePosition}: the freeze no longer holds, and the job keeps streaming.`, fix: 'Run “Source read-only, proven” again (it names the sessions), then this step.', facts },
    };
  }
  d.progress({ detail: `The sink applied the fence at ${String(facts.appliedPosition ?? facts.position)}; no write since the freeze. Stopping the stream.`, facts });
  await d.stopJob(row.name);
  d.crash('stop:after');
  const after = d.store.jobById(row.id)!;
  if (effectiveState(after) === 'running') return { state: 'failed', result: { detail: 'The job’s process did not stop.', fix: 'Stop the job, then run this step again.', facts } };
  const drained = appliedPosition(driver, after);
  if (!drained || !fenceReached(mark, { file: drained.file, pos: drained.pos, gtid: drained.gtid }))
    return { state: 'failed', result: { detail: 'The sink’s stored position is before the fence after the stream stopped.', fix: 'Start the job, then run this step again.', facts } };
  d.store.setJob(row.id, { state: JOB_SWITCHED, pid: null, finished_at: Date.now() });
  d.store.log('info', row.name, null, `cutover: the stream stopped for good at ${driver.positions.format(drained)} (fence ${String(facts.position)}); the job is switched`);
  facts = { ...facts, drainPosition: driver.positions.format(drained), drainGtid: drained.gtid, stoppedAt: new Date().toISOString(), writesAfterFreeze: 0 };
  return {
    state: 'done',
    result: {
      detail: `Fence written at ${String(facts.position)} and applied by the sink (after ${String(facts.waitedSeconds)} s); no write to the job’s tables since the freeze at ${String(facts.freezePosition)}; the stream drained to ${String(facts.drainPosition)} and stopped for good (the job is switched).`,
      facts,
    },
  };
}
