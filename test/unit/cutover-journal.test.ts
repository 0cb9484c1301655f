// The cutover journal against the state store: a step left `running` by a process that is gone is found
// (and only such a step), what a rerun needs is read back from the journal (read_only as it was before the
// freeze, the fence as written), the assistant resumes an interrupted fence step of a job already switched
// as done, resumes an interrupted report step by writing the journaled file, and the writable summary says
// plainly which server takes writes in every combination.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CutoverStepId } from '../../shared/cutover.js';
import { CutoverAssistant } from '../../engine/cutover/assistant.js';
import { interruptedSteps, ownJournal, previousReadOnly, writableSummary, type WritableInput } from '../../engine/cutover/journal.js';
import { CutoverStore, type CutoverStepRow } from '../../engine/state/cutover-store.js';
import { StateStore } from '../../engine/state/store.js';
import type { JobConfig } from '../../shared/job-config.js';

/** A pid that no process has now: a child that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

function newJob(store: StateStore, name = 'shop'): number {
  return store.upsertJob(name, { name, source: { url: 'mysql://u@127.0.0.1:1' }, sink: { type: 'mysql', url: 'mysql://u@127.0.0.1:1' }, tables: { include: ['shop.*'] }, mode: 'snapshot+stream' } as unknown as JobConfig).id;
}

test('a running step whose process is gone is interrupted; one of a live process, one in flight, one without a journal are not', () => {
  const store = new StateStore(':memory:');
  const steps = new CutoverStore(store);
  const id = newJob(store);
  const dead = deadPid();
  steps.begin(id, 'read-only', 'op', { detail: null, journal: { pid: dead, host: hostname(), previous: { readOnly: false, superReadOnly: false } } });
  steps.begin(id, 'fence', 'op', { detail: null, journal: ownJournal() });
  steps.begin(id, 'verify', 'op', { detail: null });
  steps.begin(id, 'deferred', 'op', { detail: null, journal: { pid: dead, host: hostname() } });
  steps.finish(id, 'lag', 'done', { detail: 'ok', journal: { pid: dead, host: hostname() } });
  const rows = steps.steps(id);
  assert.deepEqual(interruptedSteps(rows, () => false).sort(), ['deferred', 'read-only']);
  assert.deepEqual(interruptedSteps(rows, (s) => s === 'deferred'), ['read-only'], 'a step this process runs is not interrupted');
  assert.deepEqual(interruptedSteps(rows, () => false, () => true), [], 'every process alive');
  steps.begin(id, 'report', 'op', { detail: null, journal: { pid: dead, host: 'another-machine' } });
  assert.ok(!interruptedSteps(steps.steps(id), () => false).includes('report'), 'a process on another machine cannot be checked: assumed alive');
  store.close();
});

test('a rerun keeps read_only as the journal recorded it before the SET, not as it is after it', () => {
  const store = new StateStore(':memory:');
  const steps = new CutoverStore(store);
  const id = newJob(store);
  assert.equal(previousReadOnly(undefined), null);
  steps.begin(id, 'read-only', 'op', { detail: 'Setting read-only on the source.', journal: { pid: deadPid(), host: hostname(), previous: { readOnly: false, superReadOnly: false } } });
  assert.deepEqual(previousReadOnly(steps.steps(id).get('read-only')), { readOnly: false, superReadOnly: false });
  steps.finish(id, 'read-only', 'failed', { detail: 'did not hold', data: { previous: { readOnly: true, superReadOnly: false } } });
  assert.deepEqual(previousReadOnly(steps.steps(id).get('read-only')), { readOnly: true, superReadOnly: false }, 'a finished step’s data wins');
  store.close();
});

function rows(states: Partial<Record<CutoverStepId, CutoverStepRow['state']>>): Map<CutoverStepId, CutoverStepRow> {
  return new Map(Object.entries(states).map(([step, state]) => [step as CutoverStepId, { step: step as CutoverStepId, state: state!, started_at: 1, finished_at: null, operator: 'op', result: { detail: null, data: { previous: { readOnly: false, superReadOnly: false } } } }]));
}

test('the writable summary names which server takes writes, and says so plainly when it is neither or both', () => {
  const base: WritableInput = { rows: rows({}), liveReadOnly: false, streamRunning: true, switched: false, streams: true, interrupted: [], completeWith: 'cutover switch job.json' };
  assert.equal(writableSummary(base).takesWrites, 'source');
  assert.match(writableSummary({ ...base, streamRunning: false }).detail, /falls behind/);
  const inFlight = writableSummary({ ...base, rows: rows({ 'read-only': 'done' }), liveReadOnly: true });
  assert.equal(inFlight.takesWrites, 'neither');
  assert.match(inFlight.detail, /source is read-only and the sink still applies the stream/);
  const crashed = writableSummary({ ...base, rows: rows({ 'read-only': 'done', fence: 'running' }), liveReadOnly: true, streamRunning: false, interrupted: ['fence'] });
  assert.equal(crashed.takesWrites, 'neither');
  assert.match(crashed.detail, /sink’s stream has stopped, but the switch is not complete.*cutover switch job\.json.*“fence” interrupted/);
  assert.equal(writableSummary({ ...base, liveReadOnly: true, streamRunning: false, switched: true }).takesWrites, 'sink');
  const both = writableSummary({ ...base, liveReadOnly: false, streamRunning: false, switched: true });
  assert.equal(both.takesWrites, 'both');
  assert.match(both.detail, /SET GLOBAL read_only = ON/);
  const fromJournal = writableSummary({ ...base, rows: rows({ 'read-only': 'running' }), liveReadOnly: null });
  assert.deepEqual([fromJournal.takesWrites, fromJournal.sourceReadOnlyFrom], ['neither', 'journal'], 'the read-only step began: read-only may be on');
  assert.equal(writableSummary({ ...base, rows: rows({ 'read-only': 'undone' }), liveReadOnly: null }).takesWrites, 'source', 'undone: read-only as it was before');
  assert.equal(writableSummary({ ...base, rows: rows({ 'read-only': 'skipped' }), liveReadOnly: null }).takesWrites, 'unknown');
});

test('the assistant resumes an interrupted fence step; a job already switched makes it done, not run again', async () => {
  const store = new StateStore(':memory:');
  const steps = new CutoverStore(store);
  const id = newJob(store);
  const freezeAt = { kind: 'mysql-binlog', file: 'bin.000002', pos: 900 };
  steps.finish(id, 'lag', 'done', { detail: 'ok' }, 'op');
  steps.finish(id, 'read-only', 'done', { detail: 'frozen', data: { freezeAt, previous: { readOnly: false, superReadOnly: false }, bypass: null, openTransactions: [], watch: {} } }, 'op');
  steps.begin(id, 'fence', 'op', { detail: 'Fence written', journal: { pid: deadPid(), host: hostname(), fence: { position: 'bin.000002:1000', gtid: null, at: { ...freezeAt, pos: 1000 } } } });
  store.setJob(id, { state: 'switched', pid: null, stream_state: JSON.stringify({ applied: { file: 'bin.000002', pos: 1100, gtid: null } }) });
  let stops = 0;
  const a = new CutoverAssistant({
    store,
    resolve: async (row) => ({ config: JSON.parse(row.config) as JobConfig, close: async () => undefined }),
    startVerification: async () => ({ id: 1 }),
    verification: () => null,
    latestVerification: () => null,
    stopJob: async () => void stops++,
  });
  assert.equal(a.state('shop').writable?.interrupted.join(), 'fence');
  assert.deepEqual(await a.resume('shop'), ['fence']);
  for (let i = 0; i < 200 && a.state('shop').steps.find((s) => s.id === 'fence')!.state === 'running'; i++) await new Promise((r) => setTimeout(r, 10));
  const fence = a.state('shop').steps.find((s) => s.id === 'fence')!;
  assert.equal(fence.state, 'done', `${fence.detail} ${fence.fix}`);
  assert.match(fence.detail ?? '', /already switched.*bin\.000002:1100/);
  assert.equal(fence.facts.position, 'bin.000002:1000', 'the fence from the journal');
  assert.equal(stops, 0);
  assert.deepEqual(await a.resume('shop'), [], 'nothing left to resume');
  store.close();
});

test('the report step interrupted after its file was journaled: the resumed step writes the same file, whole, then is done', async () => {
  const store = new StateStore(':memory:');
  const steps = new CutoverStore(store);
  const id = newJob(store);
  const dir = mkdtempSync(join(tmpdir(), 'cutover-report-step-'));
  try {
    for (const s of ['lag', 'reverse-check', 'read-only', 'fence', 'verify', 'deferred', 'reverse'] as const) steps.finish(id, s, 'done', { detail: 'ok' }, 'op');
    store.setJob(id, { state: 'switched', pid: null });
    const path = join(dir, 'cutover-report-shop-journaled.md');
    steps.begin(id, 'report', 'op', { detail: `Writing the report to ${path}.`, facts: { file: path }, journal: { pid: deadPid(), host: hostname() } });
    const points: string[] = [];
    const a = new CutoverAssistant({
      store,
      resolve: async (row) => ({ config: JSON.parse(row.config) as JobConfig, close: async () => undefined }),
      startVerification: async () => ({ id: 1 }),
      verification: () => null,
      latestVerification: () => null,
      stopJob: async () => undefined,
      reportDir: dir,
      crash: (p) => void points.push(p),
    });
    assert.deepEqual(await a.resume('shop'), ['report']);
    for (let i = 0; i < 200 && a.state('shop').steps.find((s) => s.id === 'report')!.state === 'running'; i++) await new Promise((r) => setTimeout(r, 10));
    const report = a.state('shop').steps.find((s) => s.id === 'report')!;
    assert.equal(report.state, 'done', `${report.detail} ${report.fix}`);
    assert.equal(report.facts.file, path, 'the journaled path, not a new one');
    assert.deepEqual(readdirSync(dir), ['cutover-report-shop-journaled.md'], 'one file, no temporary left');
    assert.match(readFileSync(path, 'utf8'), /Checklist: every step done\./);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(points, ['report:before', 'report:written']);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
