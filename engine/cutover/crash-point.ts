// Named points of the switch where a test kills the process (SIGKILL) to prove the journal: the step
// functions call the hook they are given; only `cutover switch` and `cutover rollback` install one, from the environment
// variable CUTOVER_CRASH_AT (a test hook, documented in the README; never set it in production).
//
//   read-only:journaled  the intent and the previous read_only values are recorded, read-only not yet set
//                      (read-only:before, the step's start, comes before the values are read)
//   read-only:after    read-only is set on the source, the step's result not yet recorded
//   fence:after        the fence row is written and its position recorded; the sink has not applied it yet
//   stop:after         the stream has drained to the fence and stopped; the job not yet marked switched,
//                      the step's result not yet recorded
//   deferred:during    the first trigger/routine/event is created on the sink, the others not yet
//   reverse:position   the new server's position is recorded, the old server's triggers not yet held
//   reverse:held       the old server's triggers are saved and dropped, the reverse job not yet added
//   reverse:spawned    the reverse job's process is spawned and recorded in the step, but has not recorded
//                      itself in the state file yet
//   reverse:started    the reverse job's process runs, the step's result not yet recorded
//   report:written     the report file is written (its path journaled), the step not yet recorded
//   <step>:before      any step, once its row says `running` (journal written), before it acts
//
// `cutover rollback` installs the same hook; its points are the rollback's steps prefixed `rollback:`
// (engine/cutover/rollback.ts): rollback:<step>:before for each step, rollback:read-only:journaled|after
// around read-only on the new server, rollback:fence:after and rollback:stop:after in the reverse job's
// fence, rollback:triggers:during after the first trigger is created again on the old server, and
// rollback:writable:after once read-only is lifted on the old server, before the step's record.
export type CrashHook = (point: string) => void;

export const FREEZE_WATCH_ENV = 'CUTOVER_FREEZE_WATCH_MS';

/**
 * A test hook beside CUTOVER_CRASH_AT: how long `cutover switch` and `cutover rollback` watch the frozen
 * server's change stream (ms, at least 100; default: the assistant's 3 s). Tests where nothing writes during
 * the switch shorten it; never set it in production.
 */
export function freezeWatchFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const ms = Number(env[FREEZE_WATCH_ENV]);
  return Number.isFinite(ms) && ms > 0 ? Math.max(100, ms) : undefined;
}

export const noCrash: CrashHook = () => undefined;

export const CRASH_ENV = 'CUTOVER_CRASH_AT';

/** The hook `cutover switch` installs: SIGKILLs this process at the point CUTOVER_CRASH_AT names. */
export function crashHookFromEnv(env: NodeJS.ProcessEnv = process.env): CrashHook {
  const at = env[CRASH_ENV]?.trim();
  if (!at) return noCrash;
  return (point) => {
    if (point !== at) return;
    process.stderr.write(`${CRASH_ENV}=${at}: killing this process (SIGKILL) here\n`);
    process.kill(process.pid, 'SIGKILL');
  };
}
