import { formatPreflight, runPreflight } from '../../pipeline/preflight.js';

export async function checkCommand(opts: { source: string; sink?: string; json?: boolean; streaming?: boolean }): Promise<void> {
  const report = await runPreflight({ sourceUrl: opts.source, sinkUrl: opts.sink, streaming: !!opts.streaming });
  process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatPreflight(report) + '\n');
  process.exitCode = report.ok ? 0 : 2;
}
