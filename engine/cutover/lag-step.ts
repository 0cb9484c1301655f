// The checklist's lag step: the stream's lag against the operator's threshold, with the source's open
// transactions (they would commit after the freeze, or fail) named in the result.
import type { SourceSessionInfo } from '../../shared/cutover.js';
import type { JobConfig } from '../../shared/job-config.js';
import { jobStatus } from '../pipeline/job-status.js';
import type { JobRow, StateStore } from '../state/store.js';
import { openTransactionsOf, type Outcome } from './freeze-step.js';

export const DEFAULT_LAG_THRESHOLD_S = 5;

export async function lagStep(store: StateStore, row: JobRow, config: JobConfig, threshold: number): Promise<Outcome> {
  const status = jobStatus(store, row);
  const lag = status.stream?.lagSeconds ?? null;
  const open = await openTransactionsOf(config).catch(() => [] as SourceSessionInfo[]);
  const facts = { thresholdSeconds: threshold, lagSeconds: lag, applied: status.stream?.applied ? `${status.stream.applied.file}:${status.stream.applied.pos}` : null, openTransactions: open.length };
  const txs = open.length
    ? ` ${open.length} transaction(s) are open on the source (they would commit after the freeze, or fail): ${open.map((t) => `#${t.id} ${t.user}@${t.host}, open ${t.transactionSeconds ?? '?'} s`).join('; ')}.`
    : '';
  const data = { openTransactions: open };
  if (lag === null) return { state: 'failed', result: { detail: `The stream reports no lag yet.${txs}`, fix: 'Wait until the job is streaming, then run this step again.', facts, data } };
  if (lag > threshold) return { state: 'failed', result: { detail: `The lag is ${lag.toFixed(1)} s, above ${threshold} s.${txs}`, fix: 'Wait for the stream to catch up (or raise the threshold), then run this step again.', facts, data } };
  return { state: 'done', result: { detail: `The lag is ${lag.toFixed(1)} s (threshold ${threshold} s).${txs}`, facts, data } };
}
