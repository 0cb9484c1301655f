// rejoinGroup (engine/source/kafka/rejoin.ts): a consumer that kafkajs stopped on a passing error joins its
// group again, waiting 1, 2, 4 … 15 s between tries, until it is in, the job stops, an error that is not
// passing comes, or the time limit passes (then the job stops naming the brokers). A fake clock and
// kafkajs's own error classes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { rejoinGroup } from '../../engine/source/kafka/rejoin.js';
import { CutoverError } from '../../shared/errors.js';

const notFound = (): Error => new (kafkajs.KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error)('Failed to find group coordinator');

function harness(limitMs = 60_000) {
  let clock = 0;
  const waits: number[] = [];
  const lines: string[] = [];
  const ctl = new AbortController();
  const o = {
    brokers: ['127.0.0.1:9092'],
    log: { info: (m: string) => void lines.push(`info ${m}`), warn: (m: string) => void lines.push(`warn ${m}`) },
    signal: ctl.signal,
    limitMs,
    sleep: async (ms: number) => {
      waits.push(ms);
      clock += ms;
    },
    now: () => clock,
  };
  return { o, waits, lines, ctl };
}

describe('rejoinGroup', () => {
  it('tries again with a growing wait until the member is in, and says so', async () => {
    const h = harness();
    let tries = 0;
    await rejoinGroup(notFound(), async () => {
      if (++tries < 4) throw notFound();
    }, h.o);
    assert.equal(tries, 4);
    assert.deepEqual(h.waits, [1000, 2000, 4000, 8000]);
    assert.match(h.lines[0]!, /^warn the consumer group member stopped \(KafkaJSGroupCoordinatorNotFound: Failed to find group coordinator\); joining the group again in 1 s/);
    assert.match(h.lines.at(-1)!, /^info joined the group again after 15 s/);
  });

  it('an error that is not passing ends it at once with that error', async () => {
    const h = harness();
    const refused = Object.assign(new kafkajs.KafkaJSProtocolError('Not authorized to access group'), { type: 'GROUP_AUTHORIZATION_FAILED', retriable: false });
    await assert.rejects(rejoinGroup(notFound(), async () => {
      throw refused;
    }, h.o), (e) => e === refused);
    assert.deepEqual(h.waits, [1000]);
  });

  it('past the limit the job stops naming the brokers; the wait never grows past 15 s', async () => {
    const h = harness(60_000);
    await assert.rejects(
      rejoinGroup(notFound(), async () => {
        throw notFound();
      }, h.o),
      (e: unknown) => e instanceof CutoverError && e.code === 'UNREACHABLE' && /Joining the consumer group again for 1 minute failed: no broker of 127\.0\.0\.1:9092 answered/.test(e.message),
    );
    assert.deepEqual(h.waits, [1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  });

  it('a job stopping while it waits ends it without another try', async () => {
    const h = harness();
    let tries = 0;
    h.o.sleep = async () => h.ctl.abort();
    await rejoinGroup(notFound(), async () => void tries++, h.o);
    assert.equal(tries, 0);
  });
});
