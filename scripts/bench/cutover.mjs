// The cutover CLI as a benchmark contender: whether its build is current, its job on the bench servers,
// and a timed `cutover run`.
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { urlOf } from '../test-services.mjs';
import { ROOT, outcome, timed } from './lib.mjs';
import { DB } from './mariadb.mjs';

/**
 * bin/cutover.js runs dist/; a missing or stale build would bench the wrong code. `suggestOnly`: the
 * messages of a fatal problem tell how to skip the cutover method with --only.
 */
export function cutoverBuildProblem({ suggestOnly = false } = {}) {
  if (!existsSync(join(ROOT, 'bin/cutover.js'))) {
    return { fatal: true, message: `bin/cutover.js not found${suggestOnly ? ': cannot run the cutover method (use --only to skip it).' : ''}` };
  }
  const entry = join(ROOT, 'dist/engine/cli/main.js');
  if (!existsSync(entry)) return { fatal: true, message: `cutover is not built: run \`npm run build\` first${suggestOnly ? ' (or use --only to skip it).' : ''}` };
  const built = statSync(entry).mtimeMs;
  const newest = (dir) => {
    let m = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) m = Math.max(m, newest(p));
      else if (e.name.endsWith('.ts')) m = Math.max(m, statSync(p).mtimeMs);
    }
    return m;
  };
  const src = Math.max(...['engine', 'shared'].map((d) => (existsSync(join(ROOT, d)) ? newest(join(ROOT, d)) : 0)));
  return src > built ? { fatal: false, message: 'TypeScript sources are newer than dist/: run `npm run build` to bench the current code.' } : null;
}

/**
 * A job copying DB from the bench source to the bench MariaDB sink in `mode`; `settings` (snapshot,
 * stream, …) come last, and a `sink` among them replaces the MariaDB one (`inst.sink` is then unused).
 */
export function cutoverJob(name, inst, mode, settings = {}) {
  return {
    name,
    source: { url: urlOf(inst.source) },
    sink: settings.sink ?? { type: 'mysql', url: urlOf(inst.sink) },
    tables: { include: [`${DB}.*`] },
    mode,
    ...settings,
  };
}

/** `cutover run` of `job` (written to WORK/job.json, with a fresh state file), timed under GNU time; `args` go before --state. */
export async function runCutoverJob(job, work, log, args = []) {
  const cli = join(ROOT, 'bin/cutover.js');
  const jobFile = join(work, 'job.json');
  const stateFile = join(work, `state-${Date.now()}.db`);
  writeFileSync(jobFile, JSON.stringify(job, null, 2) + '\n');
  writeFileSync(log, `job: ${JSON.stringify(job)}\n`);
  return outcome(await timed(process.execPath, [cli, 'run', jobFile, ...args, '--state', stateFile], { log, rssFile: join(work, 'cutover.rss') }));
}
