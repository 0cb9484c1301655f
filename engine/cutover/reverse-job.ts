// The switch's last act (checklist step 'reverse', after the deferred objects were created on the new
// server, before the operator is told the application may write there): record the new server's binlog
// position, hold the old server's triggers, and create and start the reverse job `<job>-reverse` from
// exactly that position (reverse-config.ts builds it).
//
// Each act is recorded in the step's result before the next one (progress), and a rerun reuses what was
// recorded: the position is read once (a rerun never takes a later one, which would miss the application's
// first writes), the triggers' definitions are saved before they are dropped (DROP … IF EXISTS on a rerun),
// the job is added once (the same start position) and started only when it is not running. A process the
// host spawned for it is recorded (pid and machine) before it has recorded itself in the state file: a rerun
// that finds that process still alive waits for it instead of spawning a second `cutover run` of the job.
//
// Triggers: the old server still has the triggers of the job's tables, and the new server's binlog already
// holds the rows its own triggers (created by the 'deferred' step) produced. Applied there by the reverse
// stream, a row would fire the old trigger a second time. The rule: the reverse job holds the old server's
// triggers on its tables — saved and dropped here, while the old server is read-only and nothing writes to
// it — and the rollback recreates them once the reverse job has drained and stopped, before the old server
// takes writes again (rollback.ts). Routines and events stay (they do not fire on rows).
import { hostname } from 'node:os';
import type { JobFile, JobConfig } from '../../shared/job-config.js';
import { CutoverError } from '../../shared/errors.js';
import type { TableRef } from '../../shared/table-selection.js';
import { connect, parseMysqlUrl, queryRows } from '../mysql/connection.js';
import { mysqlSinkUrl, mysqlSourceUrl } from '../../shared/job-config.js';
import { loadSource } from '../source/registry.js';
import type { StepResult } from '../state/cutover-store.js';
import type { JobRow, StateStore } from '../state/store.js';
import { dropDeferred, listDeferred, type DeferredSpec } from './deferred-objects.js';
import type { Outcome } from './freeze-step.js';
import { noCrash, type CrashHook } from './crash-point.js';
import { reverseJobFile, reverseJobName, type ReverseStart } from './reverse-config.js';

export interface ReverseJobDeps {
  store: StateStore;
  /** Records the step's progress (its intent, before each act). */
  progress(result: StepResult): void;
  /** The forward job file as it was opened, its secrets included (the reverse job reaches each server the same way). */
  jobFile(row: JobRow): JobFile;
  /** Adds the reverse job to the state file (as opening its job file does). */
  addJob(text: string): { name: string };
  /**
   * Starts a job like any other (the host's start) and resolves once its process has recorded itself. A host
   * that spawns a process of its own calls `spawned` with its pid as soon as it exists, before waiting.
   */
  startJob(name: string, spawned?: (pid: number) => void): Promise<void>;
  /** Whether the job's process runs now. */
  isRunning(name: string): boolean;
  /**
   * A process an earlier run of this step spawned for the job (`pid`, on this machine): when it still runs
   * as that job's process, waits until it has recorded itself and resolves true; false when it is gone.
   */
  awaitSpawned?(name: string, pid: number): Promise<boolean>;
  /** Where a test kills the process (crash-point.ts): reverse:position, reverse:held, reverse:spawned, reverse:started. */
  crash?: CrashHook;
}

/** What the step records (its result's data), act by act. */
export interface ReverseData {
  job: string;
  start: ReverseStart | null;
  /** The old server's triggers of the job's tables, with their statements: saved before they are dropped. */
  held: DeferredSpec[] | null;
  triggersDropped: boolean;
  /** MySQL: super_read_only was lowered to read_only so that the reverse job can write. */
  superReadOnlyLowered: boolean;
  added: boolean;
  /** The process the host spawned for the reverse job, recorded before it recorded itself (null: none, or the host runs jobs itself). */
  spawned?: { pid: number; host: string } | null;
  started: boolean;
}

/** The forward job's tables (source names), as the state file knows them. */
export function forwardTables(store: StateStore, row: JobRow): TableRef[] {
  return store.tables(row.id).map((t) => ({ db: t.src_db, table: t.src_table }));
}

export async function reverseStep(d: ReverseJobDeps, row: JobRow, config: JobConfig, earlier: Partial<ReverseData> | null): Promise<Outcome> {
  const tables = forwardTables(d.store, row);
  if (!tables.length) throw new CutoverError(`The job "${row.name}" has no tables in the state file.`, 'Run the job (its copy or stream lists its tables) before switching.', 'STATE');
  const data: ReverseData = {
    job: reverseJobName(row.name),
    start: earlier?.start ?? null,
    held: earlier?.held ?? null,
    triggersDropped: false,
    superReadOnlyLowered: earlier?.superReadOnlyLowered ?? false,
    added: false,
    spawned: earlier?.spawned ?? null,
    started: false,
  };
  const note = (detail: string): void => d.progress({ detail, data });
  const crash = d.crash ?? noCrash;

  // 1. The new server's position, once.
  if (!data.start) {
    const driver = await loadSource(config);
    const session = await driver.openSession(parseMysqlUrl(mysqlSinkUrl(config, 'A reverse job')));
    try {
      const p = (await session.currentStatus()).file as unknown as { file: string; pos: number };
      data.start = { file: p.file, pos: p.pos };
    } finally {
      await session.close().catch(() => undefined);
    }
  }
  note(`The new server's position at the switch: ${data.start.file}:${data.start.pos}.`);
  crash('reverse:position');

  // 2. The old server's triggers: saved, then dropped.
  const old = await connect(parseMysqlUrl(mysqlSourceUrl(config, 'The way back')));
  try {
    const listed = (await listDeferred(old, { ...config, rename: {} })).filter((o) => o.kind === 'trigger');
    const byName = new Map((data.held ?? []).map((o) => [o.name, o]));
    for (const o of listed) if (!byName.has(o.name)) byName.set(o.name, o);
    data.held = [...byName.values()];
    note(`Holding ${data.held.length} trigger(s) of the old server while the reverse job applies rows there.`);
    for (const o of data.held) {
      const r = await dropDeferred(old, o);
      if (r.state !== 'dropped') throw new CutoverError(`The trigger ${o.name} could not be dropped on the old server: ${r.error}`, `DROP TRIGGER ${o.name}; on the old server (its definition is saved in this step's result), then run this step again.`, 'STATE');
    }
    data.triggersDropped = true;
    // MySQL: super_read_only stops every account, the reverse job's too; read_only stays on.
    const [sro] = await queryRows<{ Value: string }>(old, "SHOW GLOBAL VARIABLES LIKE 'super_read_only'");
    if (sro && (sro.Value === 'ON' || sro.Value === '1')) {
      await old.query('SET GLOBAL super_read_only = OFF');
      data.superReadOnlyLowered = true;
    }
    note(`${data.held.length} trigger(s) of the old server held back.`);
  } finally {
    await old.end().catch(() => undefined);
  }
  crash('reverse:held');

  // 3. The reverse job, added once, then started.
  const forward = d.jobFile(row);
  const file = reverseJobFile(forward, tables, data.start);
  const existing = d.store.job(data.job);
  if (existing) {
    const start = (JSON.parse(existing.config) as JobFile).stream?.start as ReverseStart | undefined;
    if (!start || start.file !== data.start.file || start.pos !== data.start.pos)
      throw new CutoverError(
        `A job named "${data.job}" already exists with another start position: it is the reverse job of an earlier switch.`,
        `Remove it and its checkpoint on the old server (\`cutover remove ${data.job} --clean-sink\`), then run this step again.`,
        'STATE',
      );
  } else {
    d.addJob(JSON.stringify(file, null, 2));
  }
  data.added = true;
  note(`The reverse job ${data.job} is added, from ${data.start.file}:${data.start.pos}.`);
  if (!d.isRunning(data.job)) {
    // A process an interrupted run spawned may not have recorded itself yet: never start a second one beside it.
    const earlierSpawn = data.spawned;
    const waited = !!earlierSpawn && earlierSpawn.host === hostname() && !!d.awaitSpawned && (await d.awaitSpawned(data.job, earlierSpawn.pid));
    if (waited) note(`The reverse job's process ${earlierSpawn!.pid}, spawned by the interrupted run, has recorded itself: not started again.`);
    else
      await d.startJob(data.job, (pid) => {
        data.spawned = { pid, host: hostname() };
        note(`The reverse job's process ${pid} is spawned; waiting until it records itself in the state file.`);
        crash('reverse:spawned');
      });
  }
  data.started = true;
  crash('reverse:started');
  return {
    state: 'done',
    result: {
      detail: `The reverse job ${data.job} streams the new server's changes to the old server from ${data.start.file}:${data.start.pos} (the new server's position at the switch); ${data.held.length} trigger(s) of the old server are held until the rollback${data.superReadOnlyLowered ? '; super_read_only lowered to read_only on the old server for the reverse job' : ''}. The application may now write to the new server.`,
      facts: { reverseJob: data.job, startPosition: `${data.start.file}:${data.start.pos}`, triggersHeld: data.held.length, superReadOnlyLowered: data.superReadOnlyLowered },
      data,
    },
  };
}

/** The reverse job file's text for `<job>-reverse.json` (the forward job file as given: secrets stay where it kept them). */
export function reverseJobText(forward: JobFile, tables: readonly TableRef[], start: ReverseStart): string {
  return `${JSON.stringify(reverseJobFile(forward, tables, start), null, 2)}\n`;
}

/** The jobs a switch paired with a way back: forward job → its reverse job (once the switch added it). */
export function reversePairs(store: StateStore): Map<string, string> {
  const rows = store.db
    .prepare("SELECT j.name AS name, s.result AS result FROM cutover_steps s JOIN jobs j ON j.id = s.job_id WHERE s.step = 'reverse'")
    .all() as { name: string; result: string }[];
  const pairs = new Map<string, string>();
  for (const r of rows) {
    const data = (JSON.parse(r.result) as StepResult).data as Partial<ReverseData> | undefined;
    if (data?.added && data.job && store.job(data.job)) pairs.set(r.name, data.job);
  }
  return pairs;
}
