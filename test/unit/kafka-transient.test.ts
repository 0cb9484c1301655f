// Which Kafka client errors are passing (the job waits and tries again: a consumer joins its group again,
// a producer retries) and which need the operator (authorization, a record too large), on kafkajs's own
// error classes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { isTransient } from '../../engine/kafka/client.js';

describe('isTransient', () => {
  it("kafkajs's group coordinator not found (non-retriable for kafkajs, which stops the consumer) is passing", () => {
    assert.equal(isTransient(new (kafkajs.KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error)('Failed to find group coordinator')), true);
  });

  it('a connection error, retries exhausted on one, and a coordinator still loading are passing', () => {
    const conn = new kafkajs.KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    assert.equal(isTransient(conn), true);
    assert.equal(isTransient(new kafkajs.KafkaJSNumberOfRetriesExceeded(conn, { retryCount: 5, retryTime: 100 })), true);
    assert.equal(isTransient(Object.assign(new kafkajs.KafkaJSProtocolError('The coordinator is loading'), { type: 'COORDINATOR_LOAD_IN_PROGRESS', retriable: true })), true);
  });

  it('an authorization failure and a record too large are not', () => {
    assert.equal(isTransient(Object.assign(new kafkajs.KafkaJSProtocolError('Not authorized to access group'), { type: 'GROUP_AUTHORIZATION_FAILED', retriable: false })), false);
    assert.equal(isTransient(Object.assign(new kafkajs.KafkaJSProtocolError('The request included a message larger than the max message size'), { type: 'MESSAGE_TOO_LARGE', retriable: false })), false);
    assert.equal(isTransient(new Error('something else')), false);
  });
});
