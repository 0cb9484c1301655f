// The benchmarks' bounded waits (scripts/bench/lib.mjs waitForCount, used for the Debezium peers of
// `npm run bench -- kafka` and `-- consume`): they end when the count is reached, and otherwise with an
// error naming what they waited for — a failed contender, a stall, the time limit — never by hanging.
// And a failed Connect connector or task is named with its trace summarized to what failed and why
// (scripts/kafka-connect.mjs; its REST status answered here by a stand-in of Connect's REST API).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/db.js';

interface WaitOptions {
  what: string;
  want: number;
  count: () => number | Promise<number>;
  failure: () => string | null | Promise<string | null>;
  timeoutMs: number;
  stallMs: number;
  pollMs?: number;
  failureEveryMs?: number;
}
interface LibModule {
  waitForCount: (o: WaitOptions) => Promise<{ have: number; at: number }>;
}
interface ConnectModule {
  traceSummary: (trace: unknown, max?: number) => string;
  connectFailure: (inst: { name: string; restPort: number; dir: string }, names: string[], pid: number | null) => Promise<string | null>;
}

const lib = async (): Promise<LibModule> => (await import(pathToFileURL(join(ROOT, 'scripts/bench/lib.mjs')).href)) as LibModule;
const connect = async (): Promise<ConnectModule> => (await import(pathToFileURL(join(ROOT, 'scripts/kafka-connect.mjs')).href)) as ConnectModule;

test('waitForCount returns the count once it is reached', async () => {
  const { waitForCount } = await lib();
  let n = 0;
  const r = await waitForCount({ what: 'messages in t', want: 5, count: () => (n += 2), failure: () => null, timeoutMs: 5000, stallMs: 5000, pollMs: 1 });
  assert.equal(r.have, 6);
});

test('waitForCount stops on a failure, saying what failed and what it waited for', async () => {
  const { waitForCount } = await lib();
  let polls = 0;
  await assert.rejects(
    waitForCount({ what: 'messages in t', want: 100, count: () => ++polls, failure: () => (polls >= 3 ? 'connector c, task 0 FAILED: NullPointerException' : null), timeoutMs: 5000, stallMs: 5000, pollMs: 1, failureEveryMs: 0 }),
    /^Error: connector c, task 0 FAILED: NullPointerException \(while waiting for messages in t: 3 of 100 after/,
  );
});

test('waitForCount stops when nothing new arrives for stallMs, and at the time limit', async () => {
  const { waitForCount } = await lib();
  await assert.rejects(waitForCount({ what: 'rows in the sink table', want: 10, count: () => 4, failure: () => null, timeoutMs: 60_000, stallMs: 30, pollMs: 5 }), /waited for rows in the sink table: 4 of 10, and none new for 0.03 s/);
  let n = 0;
  await assert.rejects(waitForCount({ what: 'rows', want: 1e9, count: () => ++n, failure: () => null, timeoutMs: 40, stallMs: 60_000, pollMs: 5 }), /waited for rows: \d+ of 1,000,000,000 after 0.04 s \(the time limit\)/);
});

test("a Connect trace is summarized to its first line and its causes", async () => {
  const { traceSummary } = await connect();
  const trace = [
    'org.apache.kafka.connect.errors.ConnectException: An exception occurred in the change event producer. This connector will be stopped.',
    '\tat io.debezium.pipeline.ErrorHandler.setProducerThrowable(ErrorHandler.java:67)',
    '\tat java.base/java.lang.Thread.run(Thread.java:840)',
    'Caused by: java.lang.NullPointerException: Cannot invoke "GtidSet.isContainedWithin()" because "this.gtidSet" is null',
    '\tat io.debezium.connector.mariadb.MariaDbStreamingChangeEventSource.execute(X.java:1)',
  ].join('\n');
  assert.equal(
    traceSummary(trace),
    'org.apache.kafka.connect.errors.ConnectException: An exception occurred in the change event producer. This connector will be stopped.\n  Caused by: java.lang.NullPointerException: Cannot invoke "GtidSet.isContainedWithin()" because "this.gtidSet" is null',
  );
  assert.equal(traceSummary(undefined), '(no trace)');
  const deep = ['E: top', ...Array.from({ length: 5 }, (_, i) => `Caused by: C${i}\n\tat f(F.java:${i})`)].join('\n');
  assert.equal(traceSummary(deep, 3), 'E: top\n  …\n  Caused by: C3\n  Caused by: C4');
});

test('connectFailure names a FAILED task or connector from the REST status, and nothing while all run', async () => {
  const { connectFailure } = await connect();
  const status: Record<string, unknown> = {
    running: { name: 'running', connector: { state: 'RUNNING', worker_id: 'w' }, tasks: [{ id: 0, state: 'RUNNING', worker_id: 'w' }], type: 'source' },
    task: { name: 'task', connector: { state: 'RUNNING', worker_id: 'w' }, tasks: [{ id: 0, state: 'FAILED', worker_id: 'w', trace: 'org.apache.kafka.connect.errors.ConnectException: boom\n\tat a.b(C.java:1)\nCaused by: java.sql.SQLException: Access denied' }], type: 'source' },
    conn: { name: 'conn', connector: { state: 'FAILED', worker_id: 'w', trace: 'java.lang.IllegalStateException: no\n\tat x.y(Z.java:2)' }, tasks: [], type: 'source' },
  };
  const server = createServer((req, res) => {
    const name = /^\/connectors\/([^/]+)\/status$/.exec(req.url ?? '')?.[1];
    const body = name ? status[decodeURIComponent(name)] : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? { error_code: 404 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const inst = { name: 'unit-connect', restPort: (server.address() as AddressInfo).port, dir: '/nonexistent' };
    assert.equal(await connectFailure(inst, ['running', 'unknown'], process.pid), null);
    assert.equal(await connectFailure(inst, ['running', 'task'], process.pid), 'connector task, task 0 FAILED: org.apache.kafka.connect.errors.ConnectException: boom\n  Caused by: java.sql.SQLException: Access denied');
    assert.equal(await connectFailure(inst, ['conn'], null), 'connector conn FAILED: java.lang.IllegalStateException: no');
    assert.equal(await connectFailure(inst, ['running'], 2 ** 22 + 1), `the Kafka Connect worker (pid ${2 ** 22 + 1}) exited`);
  } finally {
    server.close();
  }
});
