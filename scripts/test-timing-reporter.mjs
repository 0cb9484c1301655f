// A `node --test` reporter beside spec (scripts/run-tests.mjs): at the end of the run it prints the test
// files that took longest (wall time from the file's start to its last result, hooks and process start
// included) and the slowest tests inside each, so the suite's time can be watched as tests are added.
//   CUTOVER_TEST_TIMING_TOP=N    how many files to list (default 15; 0 lists none)
//   CUTOVER_TEST_TIMING_FILE=F   also write every file's time and tests to F as JSON (scripts/run-tests.mjs
//                                merges the lanes' files into one list and the durations table)
import { writeFileSync } from 'node:fs';

const top = Number(process.env.CUTOVER_TEST_TIMING_TOP ?? 15);
const timingFile = process.env.CUTOVER_TEST_TIMING_FILE;

export default async function* timingReporter(source) {
  /** @type {Map<string, { start: number, end: number, tests: { name: string, ms: number }[] }>} */
  const files = new Map();
  const t0 = Date.now();
  for await (const ev of source) {
    const file = ev.data?.file;
    if (!file) continue;
    const now = Date.now();
    let f = files.get(file);
    if (!f) files.set(file, (f = { start: now, end: now, tests: [] }));
    // Every file is queued at once; it starts when the runner takes it from the queue.
    if (ev.type === 'test:dequeue' && ev.data.name === file) f.start = now;
    if (ev.type !== 'test:enqueue') f.end = now;
    if ((ev.type === 'test:pass' || ev.type === 'test:fail') && ev.data.name !== file && ev.data.details?.type !== 'suite') {
      f.tests.push({ name: ev.data.name, ms: ev.data.details?.duration_ms ?? 0 });
    }
  }
  const root = new URL('..', import.meta.url).pathname;
  const rows = [...files].map(([file, f]) => ({ file: file.replace(root, ''), ms: f.end - f.start, tests: f.tests }));
  if (timingFile) writeFileSync(timingFile, JSON.stringify({ ms: Date.now() - t0, files: rows }));
  if (!top || !files.size) return;
  const s = (ms) => `${(ms / 1000).toFixed(1)} s`.padStart(8);
  rows.sort((a, b) => b.ms - a.ms);
  const lines = [`# the ${Math.min(top, rows.length)} slowest of ${rows.length} test files (${s(Date.now() - t0).trim()} in all)`];
  for (const r of rows.slice(0, top)) {
    lines.push(`${s(r.ms)}  ${r.file}`);
    for (const t of [...r.tests].sort((a, b) => b.ms - a.ms).slice(0, 3)) lines.push(`${s(t.ms)}      ${t.name.slice(0, 110)}`);
  }
  yield `\n${lines.join('\n')}\n`;
}
