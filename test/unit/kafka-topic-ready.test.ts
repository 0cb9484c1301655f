// retryTransient: a retriable Kafka answer right after a topic is created (UNKNOWN_TOPIC_OR_PARTITION,
// "This server does not host this topic-partition") is retried until it passes; a non-retriable one and one
// that outlasts the bound are thrown. The real broker's side is covered by the Kafka integration tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryTransient } from '../../engine/sink/kafka/topic-ready.js';

function brokerError(type: string, retriable: boolean): Error {
  return Object.assign(new Error(type === 'UNKNOWN_TOPIC_OR_PARTITION' ? 'This server does not host this topic-partition' : type), { name: 'KafkaJSProtocolError', type, retriable });
}

test('UNKNOWN_TOPIC_OR_PARTITION and NOT_LEADER_OR_FOLLOWER are retried until the request passes', async () => {
  const answers = [brokerError('UNKNOWN_TOPIC_OR_PARTITION', true), brokerError('NOT_LEADER_OR_FOLLOWER', true)];
  const lines: string[] = [];
  let calls = 0;
  const r = await retryTransient(async () => {
    calls++;
    const e = answers.shift();
    if (e) throw e;
    return 'offsets';
  }, { what: 'reading the offsets of topic "t"', debug: (m) => lines.push(m) });
  assert.equal(r, 'offsets');
  assert.equal(calls, 3);
  assert.match(lines[0] ?? '', /does not host this topic-partition; retrying/);
});

test('a refusal that retrying cannot fix is thrown at once', async () => {
  let calls = 0;
  await assert.rejects(
    retryTransient(async () => {
      calls++;
      throw brokerError('TOPIC_AUTHORIZATION_FAILED', false);
    }, { what: 'x' }),
    /TOPIC_AUTHORIZATION_FAILED/,
  );
  assert.equal(calls, 1);
});

test('a retriable answer that outlasts the bound is thrown', async () => {
  let calls = 0;
  await assert.rejects(
    retryTransient(async () => {
      calls++;
      throw brokerError('UNKNOWN_TOPIC_OR_PARTITION', true);
    }, { what: 'x', forMs: 700 }),
    /does not host/,
  );
  assert.ok(calls >= 2, `retried before giving up (${calls} calls)`);
});
