// Joining a consumer group again after kafkajs stopped the member on a passing error it does not restart
// from itself (KafkaJSGroupCoordinatorNotFound when the coordinator does not answer in time on a busy
// broker): the attempt (a new member subscribing and running) is tried with a growing wait, 1, 2, 4 … 15 s,
// for up to `limitMs`; an error that is not passing, or the limit, ends it with the error to stop the job on.
import { CutoverError } from '../../../shared/errors.js';
import { isTransient, kafkaErrorText, unreachable } from '../../kafka/client.js';
import type { Logger } from '../../core/logger.js';

export interface RejoinOptions {
  brokers: string[];
  log: Pick<Logger, 'info' | 'warn'>;
  signal: AbortSignal;
  /** How long to keep trying. */
  limitMs: number;
  /** Waits `ms` (a timer; tests pass their own). */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Resolves once `attempt` succeeded (or the job is stopping); rejects with what the job stops on. */
export async function rejoinGroup(cause: unknown, attempt: () => Promise<void>, o: RejoinOptions): Promise<void> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = o.now ?? Date.now;
  const since = now();
  let wait = 1_000;
  let last = cause;
  for (;;) {
    o.log.warn(`the consumer group member stopped (${kafkaErrorText(last)}); joining the group again in ${wait / 1000} s`);
    await sleep(wait);
    if (o.signal.aborted) return;
    try {
      await attempt();
      o.log.info(`joined the group again after ${Math.round((now() - since) / 1000)} s`);
      return;
    } catch (e) {
      last = e;
      if (!isTransient(e) && !(e instanceof CutoverError && e.code === 'UNREACHABLE')) throw e;
      if (now() - since >= o.limitMs) {
        const minutes = Math.round(o.limitMs / 60_000);
        throw unreachable(o.brokers, e, `Joining the consumer group again for ${minutes} minute${minutes === 1 ? '' : 's'}`);
      }
    }
    wait = Math.min(wait * 2, 15_000);
  }
}
