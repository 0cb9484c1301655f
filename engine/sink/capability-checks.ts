// Settings of a job that its sink kind cannot carry out, refused before the run starts (nothing is
// connected to, copied or streamed) instead of being met halfway through a stream. Asks the sink's
// declared capabilities (shared/sink-capabilities.ts), never its kind's name.
import { CutoverError } from '../../shared/errors.js';
import type { DdlPolicy } from '../../shared/ddl-policy.js';
import { sinkKind } from './registry.js';

/** What the checks read of a job (a resolved config or a job file as written). */
interface JobSettings {
  sink: { type: string };
  ddl?: DdlPolicy;
}

/** The job-file paths of settings the sink cannot carry out, each with why; empty when it can do them all. */
export function unsupportedSettings(cfg: JobSettings): { path: string; reason: string }[] {
  const sink = sinkKind(cfg.sink.type);
  const out: { path: string; reason: string }[] = [];
  if (!sink.capabilities.pauseTable && cfg.ddl) {
    const why = `the DDL policy "pause-table" is not available with a ${sink.title} sink: it cannot hold a table's changes and apply them later (capability pauseTable)`;
    if (cfg.ddl.default === 'pause-table') out.push({ path: '$.ddl.default', reason: why });
    for (const [table, action] of Object.entries(cfg.ddl.tables)) if (action === 'pause-table') out.push({ path: `$.ddl.tables[${JSON.stringify(table)}]`, reason: why });
  }
  return out;
}

/** Throws a CutoverError (code CONFIG) naming each setting of the job its sink cannot carry out and what to use instead. */
export function refuseUnsupportedSettings(cfg: JobSettings): void {
  const bad = unsupportedSettings(cfg);
  if (!bad.length) return;
  throw new CutoverError(
    `The job file asks for what its ${sinkKind(cfg.sink.type).title} sink cannot do:\n${bad.map((b) => `  ${b.path}: ${b.reason}`).join('\n')}`,
    'In the "ddl" section use "pause-job" (the whole job pauses at the statement: apply the equivalent change on the sink by hand, then run with --skip-ddl), "skip" (the statement is not run on the sink) or "apply" (the statement is mapped and run, or the job pauses when it cannot be) for these tables.',
    'CONFIG',
  );
}
