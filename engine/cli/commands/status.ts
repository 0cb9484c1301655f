import { jobStatus, type JobStatus } from '../../pipeline/job-status.js';
import { resolveStatePath } from '../../state/default-path.js';
import { StateStore } from '../../state/store.js';

const n = (x: number): string => Math.round(x).toLocaleString('en-US');
const duration = (s: number | null): string =>
  s === null ? '' : s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;

function render(s: JobStatus): string {
  const pct = s.estimatedRows ? Math.min(100, (100 * s.rowsCopied) / s.estimatedRows) : s.state === 'done' ? 100 : 0;
  const out = [
    `${s.name}: ${s.state}, phase ${s.phase} — ${n(s.rowsCopied)} / ${s.state === 'done' ? '' : '~'}${n(s.estimatedRows)} rows (${pct.toFixed(1)}%)` +
      (s.state === 'running' ? `, ${n(s.rowsPerSecond)} rows/s${s.etaSeconds !== null ? `, about ${duration(s.etaSeconds)} left` : ''}` : ''),
  ];
  if (s.copyStartPosition)
    out.push(`  copy started at source binlog ${s.copyStartPosition.file}${s.copyStartPosition.gtid ? ` (GTID ${s.copyStartPosition.gtid})` : ''}`);
  if (s.error) out.push(`  error: ${s.error.replace(/\n/g, '\n  ')}`);
  const rows = s.tables.map((t) => [
    t.source === t.sink ? t.source : `${t.source} → ${t.sink}`,
    t.state,
    `${n(t.rowsCopied)} / ${t.state === 'done' ? '' : '~'}${n(t.estimatedRows)}`,
    `${t.chunksDone} / ${t.chunksTotalExact ? '' : '~'}${t.chunksTotal}`,
    t.rowsPerSecond ? n(t.rowsPerSecond) : '',
    duration(t.etaSeconds),
    t.error ?? '',
  ]);
  const head = ['table', 'state', 'rows copied / estimated', 'chunks', 'rows/s', 'ETA', 'error'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => '  ' + r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  out.push(fmt(head), ...rows.map(fmt));
  return out.join('\n');
}

export async function statusCommand(opts: { state?: string; job?: string; json?: boolean }): Promise<void> {
  const store = new StateStore(resolveStatePath(opts.state));
  try {
    const jobs = store.jobs().filter((j) => !opts.job || j.name === opts.job);
    const statuses = jobs.map((j) => jobStatus(store, j));
    if (opts.json) process.stdout.write(JSON.stringify({ stateFile: store.path, jobs: statuses }, null, 2) + '\n');
    else if (!statuses.length) process.stdout.write(`No jobs in ${store.path}${opts.job ? ` named ${opts.job}` : ''}. Start one with: cutover run JOB.json\n`);
    else process.stdout.write(`state file: ${store.path}\n` + statuses.map(render).join('\n\n') + '\n');
  } finally {
    store.close();
  }
}
