import { CutoverError } from '../../../shared/errors.js';
import { requestHeldTable } from '../../pipeline/held-tables.js';
import { effectiveState } from '../../pipeline/job-status.js';
import { resolveStatePath } from '../../state/default-path.js';
import { HeldStore } from '../../state/held-store.js';
import { StateStore } from '../../state/store.js';

interface ResumeTableOpts {
  state?: string;
  job: string;
  skip?: boolean;
}

/**
 * A table paused at a DDL statement (policy "pause-table"): the operator has applied the statement to
 * the sink by hand (or, with --skip, leaves the sink as it is). The running stream applies the held
 * changes in source order and streams the table again; a stopped job does so when it runs again.
 */
export function resumeTableCommand(table: string, opts: ResumeTableOpts): void {
  const store = new StateStore(resolveStatePath(opts.state));
  try {
    const job = store.job(opts.job);
    if (!job) throw new CutoverError(`No job named "${opts.job}" in the state file ${store.path}.`, 'Name a job that `cutover status` lists, or pass the state file it ran with: --state <file>.', 'CONFIG');
    const held = new HeldStore(store);
    const paused = held.tables(job.id);
    if (!requestHeldTable(store, job.id, table, opts.skip ? 'skip' : 'resume')) {
      throw new CutoverError(
        `${table} is not paused at a DDL statement in job "${opts.job}"${paused.length ? ` (paused: ${paused.map((t) => t.table).join(', ')})` : ' (no table is)'}.`,
        'Name the table as `cutover status` shows it under "paused tables", as db.table.',
        'CONFIG',
      );
    }
    const held0 = held.counts(job.id).get(table) ?? 0;
    process.stdout.write(
      `${table}: ${opts.skip ? 'the statement is skipped' : 'resumed'}; ${held0.toLocaleString('en-US')} held change(s) are applied in source order ` +
        `${effectiveState(job) === 'running' ? 'by the running job within a second' : 'when the job runs again (cutover run <job file>)'}.\n`,
    );
  } finally {
    store.close();
  }
}
