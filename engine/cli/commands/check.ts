import { formatPreflight, runPreflight, sinkPreflight } from '../../pipeline/preflight.js';

export async function checkCommand(opts: { source: string; sink?: string; json?: boolean; streaming?: boolean }): Promise<void> {
  // --sink names a MySQL/MariaDB server, checked as a job's MySQL sink would be.
  const sink = opts.sink !== undefined ? sinkPreflight({ type: 'mysql', url: opts.sink }) : {};
  const report = await runPreflight({ sourceUrl: opts.source, ...sink, streaming: !!opts.streaming });
  process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatPreflight(report) + '\n');
  process.exitCode = report.ok ? 0 : 2;
}
