// A skip asked for while a Kafka-source job runs or is stopped (`cutover skip-message`, the app's Skip):
// only the message a partition is paused at (as the state file records it) may be skipped; the request is
// written to the state file, and a running member of the job takes it to the sink (engine/core/
// bad-messages.ts explains the skip) within a second or two, then resumes the partition past the message
// without a restart. A job not running takes it when it runs again.
import { CutoverError } from '../../shared/errors.js';
import { messageRefText, type MessageRef } from '../core/bad-messages.js';
import { alive } from '../core/process-alive.js';
import { ConsumerStore } from '../state/consumer-store.js';
import type { JobRow, StateStore } from '../state/store.js';

/** Records the request; `running`: a member of the job is running now (it takes the request within seconds). */
export function requestMessageSkip(store: StateStore, job: JobRow, ref: MessageRef, requestedBy: string): { running: boolean } {
  const paused = ConsumerStore.paused(store, job.id);
  const at = paused.find((m) => m.topic === ref.topic && m.partition === ref.partition);
  if (!at || at.offset !== ref.offset)
    throw new CutoverError(
      `${messageRefText(ref)} is not a message job "${job.name}" is paused at${paused.length ? ` (paused: ${paused.map(messageRefText).join(', ')})` : ' (no partition is paused)'}.`,
      'Only the message a partition is paused at can be skipped: copy TOPIC:PARTITION:OFFSET from `cutover status` (or the dashboard) while the partition is paused. Nothing was recorded.',
      'CONFIG',
    );
  const members = new ConsumerStore(store);
  members.requestSkip(job.id, ref, requestedBy);
  store.log('warn', job.name, null, `skip of the message at ${messageRefText(ref)} requested by ${requestedBy}: it is passed over (not applied; sent to the dead-letter topic when the job names one) ${members.members(job.id, alive).length ? 'by the running process that holds the partition' : 'when the job runs again'}`);
  return { running: members.members(job.id, alive).length > 0 };
}
