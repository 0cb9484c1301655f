import { CutoverError } from '../../../shared/errors.js';
import { parseMessageRef } from '../../core/bad-messages.js';
import { requestMessageSkip } from '../../pipeline/skip-message.js';
import { resolveStatePath } from '../../state/default-path.js';
import { operatorName } from '../../core/operator-name.js';
import { StateStore } from '../../state/store.js';

interface SkipMessageOpts {
  state?: string;
  job: string;
}

/**
 * A Kafka-source job's partition paused at a bad message: go past it without applying it, while the job
 * runs (its process takes the request within seconds and resumes the partition) or when it runs again.
 */
export function skipMessageCommand(ref: string, opts: SkipMessageOpts): void {
  const message = parseMessageRef(ref);
  const store = new StateStore(resolveStatePath(opts.state));
  try {
    const job = store.job(opts.job);
    if (!job) throw new CutoverError(`No job named "${opts.job}" in the state file ${store.path}.`, 'Name a job that `cutover status` lists, or pass the state file it ran with: --state <file>.', 'CONFIG');
    const r = requestMessageSkip(store, job, message, `${operatorName()} pid ${process.pid}`);
    process.stdout.write(
      `${ref.trim()}: skip requested; ${r.running ? 'the running job passes the message over within a few seconds and its partition goes on' : 'the job passes the message over when it runs again (cutover run <job file>)'} (sent to the dead-letter topic first when the job names one; recorded in the sink).\n`,
    );
  } finally {
    store.close();
  }
}
