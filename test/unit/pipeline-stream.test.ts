// The stream pipeline (reader → batcher → apply loop, with reconnects) between an in-memory source and
// sink, its state in a real SQLite file: the copy→stream handoff (reconcile, then strict), catch-up
// transitions, and reconnect backoff resuming from the sink's checkpoint with no double apply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemorySource } from '../helpers/memory-source.js';
import { MemorySink } from '../helpers/memory-sink.js';
import { streamHarness } from '../helpers/memory-stream.js';
import { T, assertNoDoubleApply, assertSameRows, newSource } from '../helpers/memory-table.js';
import { backoffMs, reconnectMaxMs } from '../../engine/pipeline/stream-runner.js';
import { comparePositions } from '../../engine/core/position.js';
import type { SourcePosition } from '../../engine/core/position.js';
import { CutoverError } from '../../shared/errors.js';

/**
 * A copy that read the rows while the source changed: it started at S and ended at H, and saw some of the
 * changes in between (row 1's update, row 4's insert) but not others (row 2's delete).
 */
function copiedDuringChanges(): { source: MemorySource; sink: MemorySink; S: SourcePosition; H: SourcePosition } {
  const source = newSource(3);
  const sink = new MemorySink();
  const S = source.position;
  source.update(T, ['1', 'one']);
  source.insert(T, ['4', 'v4']);
  source.delete(T, '2');
  const H = source.position;
  sink.tables.set(T, new Map([['1', ['1', 'one']], ['2', ['2', 'v2']], ['3', ['3', 'v3']], ['4', ['4', 'v4']]]));
  return { source, sink, S, H };
}

test('handoff: changes up to the copy end are reconciled with the copied rows, later ones applied strictly', async () => {
  const { source, sink, S, H } = copiedDuringChanges();
  source.insert(T, ['5', 'v5']);
  source.update(T, ['4', 'four']);
  const h = streamHarness(source, sink, { maxRows: 1 });
  h.store.setJob(h.jobId, { phase: 'catching-up' });
  const outcome = await h.runner({ start: S, reconcileUntil: H, target: source.position }).run();
  assert.equal(outcome, 'caught-up');
  assertSameRows(source, sink);
  assert.deepEqual(sink.appliedModes, ['reconcile', 'reconcile', 'reconcile', 'strict', 'strict']);
  assert.deepEqual(sink.checkpoint?.position, source.position);
  assertNoDoubleApply(sink);
});

test('handoff: without the reconcile window the same changes would not apply (the copy already had them)', async () => {
  const { source, sink, S } = copiedDuringChanges();
  const h = streamHarness(source, sink);
  await assert.rejects(h.runner({ start: S, reconcileUntil: null }).run(), (e) => e instanceof CutoverError && e.code === 'SINK_ROW');
  assert.equal(sink.checkpoint?.position.pos, S.pos, 'nothing of the refused batch is kept');
});

test('catch-up: phase catching-up until the target is applied, then streaming; exitWhenCaughtUp returns there', async () => {
  const source = newSource(0);
  const sink = new MemorySink();
  const h = streamHarness(source, sink, { maxRows: 1 });
  const start = source.position;
  for (let i = 1; i <= 5; i++) source.insert(T, [String(i), `v${i}`]);
  const target = source.position;
  h.store.setJob(h.jobId, { phase: 'catching-up' });
  const phases: (string | undefined)[] = [];
  const origSet = h.store.setJob.bind(h.store);
  h.store.setJob = ((id, f) => {
    origSet(id, f);
    if ('phase' in f) phases.push(f.phase as string);
  }) as typeof h.store.setJob;
  assert.equal(await h.runner({ start, target }).run(), 'caught-up');
  assert.deepEqual(phases, ['streaming'], 'streaming once, when the target was applied');
  assert.equal(h.phase(), 'streaming');
  assert.ok(h.lines.some((l) => l.includes(`caught up with the source at ${target.file}:${target.pos}`)), h.lines.join('\n'));
  assertSameRows(source, sink);
});

test('catch-up: without exitWhenCaughtUp the stream keeps applying new changes until stopped', async () => {
  const source = newSource(0);
  const sink = new MemorySink();
  const h = streamHarness(source, sink);
  const running = h.runner({ exitWhenCaughtUp: false, target: source.position }).run();
  for (let i = 1; i <= 3; i++) {
    source.insert(T, [String(i), 'x']);
    await waitFor(() => sink.checkpoint?.position.pos === source.position.pos);
  }
  assert.equal(h.phase(), 'streaming');
  h.stop.abort();
  assert.equal(await running, 'stopped');
  assertSameRows(source, sink);
});

test('catch-up: a copy running alongside sets the target when it ends (setTarget), and the phase follows', async () => {
  const source = newSource(0);
  const sink = new MemorySink();
  const h = streamHarness(source, sink);
  h.store.setJob(h.jobId, { phase: 'copying' });
  const runner = h.runner({ target: null });
  const running = runner.run();
  source.insert(T, ['1', 'x']);
  await waitFor(() => sink.checkpoint?.position.pos === source.position.pos);
  assert.equal(h.phase(), 'copying', 'no target yet: not caught up, however idle');
  source.insert(T, ['2', 'x']);
  runner.setTarget(source.position);
  assert.equal(await running, 'caught-up');
  assert.equal(h.phase(), 'streaming');
  assertSameRows(source, sink);
});

test('reconnect: backoff doubles from 1 s to 30 s (sleep injected) and starts over after a success', async () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 12].map((n) => backoffMs(n)), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assert.deepEqual([1, 2, 3, 4, 12].map((n) => backoffMs(n, reconnectMaxMs({ CUTOVER_RECONNECT_MAX_SECONDS: '4' }))), [1000, 2000, 4000, 4000, 4000]);
  assert.equal(reconnectMaxMs({}), 30_000);
  assert.equal(reconnectMaxMs({ CUTOVER_RECONNECT_MAX_SECONDS: 'soon' }), 30_000);
  const source = newSource(0);
  const sink = new MemorySink();
  const h = streamHarness(source, sink, { maxRows: 1 });
  source.failConnects = 7;
  const start = source.position;
  for (let i = 1; i <= 4; i++) source.insert(T, [String(i), 'x']);
  source.dropReaderAfter = 2; // the first session that connects loses its reader after two transactions
  assert.equal(await h.runner({ start }).run(), 'caught-up');
  assert.deepEqual(h.sleeps, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 1000]);
  assert.equal(h.lines.filter((l) => l.startsWith('warn: connection lost')).length, 8);
  assertSameRows(source, sink);
  assertNoDoubleApply(sink);
});

test('reconnect: after a dropped reader or a failed sink write the stream resumes from the sink checkpoint, applying each transaction once', async () => {
  const source = newSource(0);
  const sink = new MemorySink();
  const h = streamHarness(source, sink, { maxRows: 2 });
  const start = source.position;
  for (let i = 1; i <= 10; i++) source.insert(T, [String(i), 'x']);
  source.dropReaderAfter = 5;
  sink.failApplyAt = 4; // a later session's batch fails before the sink keeps anything of it
  assert.equal(await h.runner({ start }).run(), 'caught-up');
  assertSameRows(source, sink);
  assertNoDoubleApply(sink);
  assert.equal(sink.appliedEnds.length, 10);
  assert.deepEqual(h.sleeps, [1000, 1000], 'each failure after progress waits 1 s again');
  assert.equal(source.readersOpened.length, 3);
  assert.deepEqual(source.readersOpened[0], start);
  for (const from of source.readersOpened.slice(1)) assert.ok('file' in from && comparePositions(from, start) > 0, 'a reconnect starts from the checkpoint, not from the start');
  assert.ok(sink.sessionsOpened >= 3);
});

test('a target that prepares batches: the next batch is read and prepared while one is applied, one apply at a time, each transaction once', async () => {
  const source = newSource(0);
  const sink = new MemorySink();
  sink.prepares = true;
  const h = streamHarness(source, sink, { maxRows: 2 });
  const start = source.position;
  for (let i = 1; i <= 40; i++) source.insert(T, [String(i), 'x']);
  for (let i = 1; i <= 40; i += 3) source.update(T, [String(i), 'y']);
  assert.equal(await h.runner({ start }).run(), 'caught-up');
  assertSameRows(source, sink);
  assertNoDoubleApply(sink);
  assert.equal(sink.appliedEnds.length, 54);
  assert.equal(sink.maxApplying, 1, 'never two applies at once');
  assert.ok(sink.preparedDuringApply > 0, 'a batch was prepared while the one before it was being applied');
  assert.ok(sink.appliesPrepared > 0, 'apply was given the batch prepared for it');
});

test('a target that prepares batches: a failed apply while the next batch is read resumes from the checkpoint, each transaction once', async () => {
  for (const failAt of [1, 3, 7]) {
    const source = newSource(0);
    const sink = new MemorySink();
    sink.prepares = true;
    sink.failApplyAt = failAt;
    const h = streamHarness(source, sink, { maxRows: 3 });
    const start = source.position;
    for (let i = 1; i <= 30; i++) source.insert(T, [String(i), 'x']);
    for (let i = 1; i <= 30; i += 2) source.delete(T, String(i));
    assert.equal(await h.runner({ start }).run(), 'caught-up');
    assertSameRows(source, sink);
    assertNoDoubleApply(sink);
    assert.equal(sink.appliedEnds.length, 45, `apply ${failAt} failed`);
    assert.equal(sink.maxApplying, 1);
  }
});

test('a stop while streaming applies what was read and reports stopped; the next run continues from the checkpoint', async () => {
  const source = newSource(0);
  const sink = new MemorySink();
  const h = streamHarness(source, sink);
  const start = source.position;
  for (let i = 1; i <= 3; i++) source.insert(T, [String(i), 'x']);
  h.stop.abort();
  assert.equal(await h.runner({ start, exitWhenCaughtUp: false }).run(), 'stopped');
  assert.deepEqual(sink.checkpoint?.position, start, 'stopped before reading: the checkpoint is where the stream starts');
  source.insert(T, ['4', 'x']);
  const again = streamHarness(source, sink);
  assert.equal(await again.runner({}).run(), 'caught-up');
  assertSameRows(source, sink);
  assertNoDoubleApply(sink);
});

async function waitFor(ok: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error('timed out waiting for the stream');
    await new Promise((r) => setTimeout(r, 2));
  }
}
