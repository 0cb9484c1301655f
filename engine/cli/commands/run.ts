import { readFileSync } from 'node:fs';
import { CutoverError } from '../../../shared/errors.js';
import { parseJobText, type JobConfig } from '../../../shared/job-config.js';
import { isSelected } from '../../../shared/table-selection.js';
import { runJob } from '../../pipeline/job-runner.js';
import type { Logger } from '../../pipeline/logger.js';
import { formatPreflight, runPreflight } from '../../source/mysql/preflight.js';
import { resolveStatePath } from '../../state/default-path.js';
import { StateStore, type LogLevel } from '../../state/store.js';

interface RunOpts {
  state?: string;
  restart?: boolean;
  skipPreflight?: boolean;
  logLevel: LogLevel;
  quiet?: boolean;
}

function readJob(path: string): JobConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CutoverError(`Cannot read the job file ${path}: ${(e as Error).message}`, 'Check the path.');
  }
  return parseJobText(text, `job file ${path}`);
}

async function preflight(cfg: JobConfig, log: Logger): Promise<void> {
  const report = await runPreflight({ sourceUrl: cfg.source.url, sinkUrl: cfg.sink.url, streaming: false, selected: (r) => isSelected(cfg, r) });
  for (const item of report.items) {
    if (item.status === 'warn') log.warn(`preflight: ${item.title}: ${item.detail}${item.fix ? ` (fix: ${item.fix})` : ''}`);
  }
  if (!report.ok) {
    throw new CutoverError(`Preflight failed:\n${formatPreflight({ ...report, items: report.items.filter((i) => i.status === 'fail') })}`, 'Fix the failed checks above (or run with --skip-preflight at your own risk).', 'PREFLIGHT');
  }
}

export async function runCommand(jobPath: string, opts: RunOpts): Promise<void> {
  const cfg = readJob(jobPath);
  const store = new StateStore(resolveStatePath(opts.state));
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      process.stderr.write(`\n${sig}: stopping after the batches in flight are written (press Ctrl-C again to force)\n`);
      controller.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (opts.restart) {
      const job = store.job(cfg.name);
      if (job) store.resetJob(job.id);
    }
    const outcome = await runJob({
      store,
      config: cfg,
      signal: controller.signal,
      echo: { level: opts.quiet ? 'warn' : opts.logLevel, write: (l) => process.stderr.write(l + '\n') },
      preflight: opts.skipPreflight ? undefined : preflight,
    }).catch((e) => {
      (e as { logged?: boolean }).logged = true;
      throw e;
    });
    const mem = Math.round(process.resourceUsage().maxRSS / 1024);
    if (!opts.quiet) process.stderr.write(`peak memory: ${mem} MB; state file: ${store.path}\n`);
    if (outcome === 'stopped') process.exitCode = 130;
  } finally {
    store.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
