// The schema phase prepares a sink's tables side by side when the sink allows it (Sink.prepareConcurrency):
// eachAtMost runs at most n at once, starts them in order, starts none after a failure, and throws the
// first error only once the ones running have settled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eachAtMost } from '../../engine/pipeline/phases/schema.js';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('eachAtMost: at most n at once, in order, every item once', async () => {
  for (const n of [1, 3, 4, 10]) {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await eachAtMost([0, 1, 2, 3, 4, 5, 6], n, async (i) => {
      started.push(i);
      most = Math.max(most, ++running);
      await tick(5 + ((i * 7) % 3) * 5);
      running--;
    });
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(most, Math.min(n, 7));
  }
  await eachAtMost([], 4, async () => assert.fail('nothing to run'));
});

test('eachAtMost: after a failure nothing more starts; the first error is thrown once the running ones settled', async () => {
  const started: number[] = [];
  const settled: number[] = [];
  await assert.rejects(
    eachAtMost([0, 1, 2, 3, 4, 5], 2, async (i) => {
      started.push(i);
      if (i === 1) {
        await tick(5);
        throw new Error('index 1 refused');
      }
      if (i === 2) {
        await tick(30);
        settled.push(i);
        throw new Error('a later error');
      }
      await tick(20);
      settled.push(i);
    }),
    /index 1 refused/,
  );
  // 0 and 1 start; 1 fails at 5 ms while 0 runs; 2 had not started (its lane was 1's): nothing after 1 starts.
  assert.deepEqual(started, [0, 1]);
  assert.deepEqual(settled, [0], 'the running item settled before the error was thrown');
});
