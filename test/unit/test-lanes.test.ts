// How `npm test` deals its integration and end-to-end files to lanes (scripts/test-lanes.mjs): longest
// first, each to the lane with the least expected time, unknown files at the default; the lane count from
// CUTOVER_TEST_LANES; and the committed durations table names files that exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = new URL('../../../', import.meta.url).pathname; // dist/test/unit → repo root

interface Lane {
  files: string[];
  seconds: number;
}
interface Lanes {
  dealFiles: (files: string[], count: number, durations: Record<string, number>) => Lane[];
  laneCount: (fileCount: number, env: Record<string, string | undefined>) => number;
  durationKey: (file: string) => string;
  readDurations: () => Record<string, number>;
  DEFAULT_SECONDS: number;
}

const lanes = (await import(pathToFileURL(join(ROOT, 'scripts/test-lanes.mjs')).href)) as Lanes;
const built = (name: string): string => join(ROOT, 'dist/test/integration', `${name}.test.js`);

test('a built file is known by its source path', () => {
  assert.equal(lanes.durationKey(built('stream-failures')), 'test/integration/stream-failures.test.ts');
});

test('files are dealt longest first to the lane with the least expected time', () => {
  const durations = { 'test/integration/a.test.ts': 100, 'test/integration/b.test.ts': 60, 'test/integration/c.test.ts': 50, 'test/integration/d.test.ts': 20 };
  const dealt = lanes.dealFiles(['a', 'b', 'c', 'd'].map(built), 2, durations);
  assert.deepEqual(
    dealt.map((l) => l.files.map((f) => lanes.durationKey(f))),
    [['test/integration/a.test.ts', 'test/integration/d.test.ts'], ['test/integration/b.test.ts', 'test/integration/c.test.ts']],
  );
  assert.deepEqual(dealt.map((l) => l.seconds), [120, 110]);
});

test('a file the table does not know counts as the default', () => {
  const dealt = lanes.dealFiles([built('new'), built('known')], 2, { 'test/integration/known.test.ts': lanes.DEFAULT_SECONDS + 1 });
  assert.deepEqual(dealt.map((l) => l.seconds), [lanes.DEFAULT_SECONDS + 1, lanes.DEFAULT_SECONDS]);
  assert.equal(lanes.durationKey(dealt[1]!.files[0]!), 'test/integration/new.test.ts');
});

test('no empty lane: fewer files than lanes means fewer lanes', () => {
  assert.equal(lanes.dealFiles([built('only')], 2, {}).length, 1);
  assert.equal(lanes.laneCount(1, {}), 1);
});

test('two lanes by default; CUTOVER_TEST_LANES=1 keeps the single lane; nonsense is refused', () => {
  assert.equal(lanes.laneCount(40, {}), 2);
  assert.equal(lanes.laneCount(40, { CUTOVER_TEST_LANES: '1' }), 1);
  assert.equal(lanes.laneCount(40, { CUTOVER_TEST_LANES: '3' }), 3);
  assert.throws(() => lanes.laneCount(40, { CUTOVER_TEST_LANES: 'two' }), /CUTOVER_TEST_LANES must be a whole number/);
  assert.throws(() => lanes.laneCount(40, { CUTOVER_TEST_LANES: '0' }), /CUTOVER_TEST_LANES/);
});

test('the committed durations table names test files that exist, in seconds', () => {
  const table = lanes.readDurations();
  assert.ok(Object.keys(table).length > 0, 'scripts/test-durations.json is empty or missing');
  for (const [file, seconds] of Object.entries(table)) {
    assert.ok(existsSync(join(ROOT, file)), `${file} is in scripts/test-durations.json but does not exist (node scripts/test-durations.mjs --prune)`);
    assert.ok(typeof seconds === 'number' && seconds >= 0, `${file}: ${String(seconds)}`);
  }
});
