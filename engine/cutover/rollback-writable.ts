// Which server takes writes during a rollback (shared/rollback.ts RollbackLiveWritable): from both servers'
// read-only settings read live and whether the reverse job still runs. Pure, unit-tested.
import type { RollbackLiveWritable } from '../../shared/rollback.js';

export interface RollbackWritableInput {
  oldReadOnly: boolean | null;
  newReadOnly: boolean | null;
  reverseRunning: boolean;
  /** Every rollback step is done. */
  rolledBack: boolean;
  /** How the operator completes the rollback (`cutover rollback job.json --yes`, or the page's words). */
  completeWith: string;
}

export function rollbackWritable(i: RollbackWritableInput): RollbackLiveWritable {
  const base = { oldReadOnly: i.oldReadOnly, newReadOnly: i.newReadOnly, reverseRunning: i.reverseRunning };
  if (i.oldReadOnly === null || i.newReadOnly === null)
    return { ...base, takesWrites: 'unknown', detail: `Which server takes writes is unknown: the read-only setting of the ${i.oldReadOnly === null ? 'old' : 'new'} server could not be read.` };
  if (i.oldReadOnly && !i.newReadOnly)
    return {
      ...base,
      takesWrites: 'new',
      detail: i.reverseRunning
        ? 'The new server takes the writes; the reverse job keeps the old server in step (the rollback has not frozen the new server).'
        : `The new server takes the writes, but the reverse job is not running: the old server falls behind until it is started (cutover run <job>-reverse.json).`,
    };
  if (i.oldReadOnly && i.newReadOnly)
    return {
      ...base,
      takesWrites: 'neither',
      detail: `Neither server takes the application’s writes: the new server is frozen for the rollback and the old server is still read-only. Complete the rollback (${i.completeWith}), or lift read-only on the new server (SET GLOBAL read_only = OFF there) to stay on it.`,
    };
  if (!i.oldReadOnly && i.newReadOnly)
    return {
      ...base,
      takesWrites: 'old',
      detail: `The old server takes the writes; the new server is read-only${i.rolledBack ? ': rolled back' : ` (the rollback’s last steps are not recorded yet: ${i.completeWith})`}.`,
    };
  return {
    ...base,
    takesWrites: 'both',
    detail: 'Both servers accept writes: read-only is off on the old and the new server, and neither follows the other once the reverse job stopped. Point the application at one of them and SET GLOBAL read_only = ON on the other.',
  };
}
