// `cutover verify JOB.json`: compares source and sink (engine/verify), records the run in the state file
// as it goes (the dashboard's Verify button runs this command and reads its progress there), prints each
// table and a verdict (or the report as JSON), and exits 0 when everything matches, 1 when anything
// differs, 2 when the verification could not run, 130 when stopped. --repair / --repair-from copy the
// differing rows again and verify the repaired tables; the exit code is then that of the re-check.
import { CutoverError, formatError } from '../../../shared/errors.js';
import type { VerifyReport } from '../../../shared/verify.js';
import { resolveStatePath } from '../../state/default-path.js';
import { StateStore } from '../../state/store.js';
import { loadJob, readJobFile } from '../job-file.js';
import { exitCodeOf, formatHeading, formatTable, formatVerdict } from '../../verify/verify-report.js';
import { VerifyRunner } from '../../verify/verify-runner.js';

export interface VerifyOpts {
  state?: string;
  table?: string[];
  json?: boolean;
  chunkRows: string;
  maxRows: string;
  repair?: boolean;
  repairFrom?: string;
}

function positiveInt(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new CutoverError(`${flag} must be a whole number of at least ${min} (got "${value}").`, `For example ${flag} ${Math.max(min, 1000)}.`, 'CONFIG');
  return n;
}

export async function verifyCommand(jobPath: string, opts: VerifyOpts): Promise<void> {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (++signals > 1) process.exit(130);
    process.stderr.write(`\n${sig}: stopping the verification (press Ctrl-C again to force)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const human = !opts.json;
  const print = (s: string): void => void (human && process.stdout.write(s + '\n'));
  let store: StateStore | null = null;
  let close: (() => Promise<void>) | null = null;
  try {
    const chunkRows = positiveInt(opts.chunkRows, '--chunk-rows', 10);
    const maxRows = positiveInt(opts.maxRows, '--max-rows', 1);
    const repairFrom = opts.repairFrom === undefined ? null : positiveInt(opts.repairFrom, '--repair-from', 1);
    if (repairFrom !== null && opts.repair) throw new CutoverError('--repair and --repair-from cannot be used together.', 'Use --repair to verify and repair, or --repair-from ID to repair what verification ID found.', 'CONFIG');
    store = new StateStore(resolveStatePath(opts.state));
    const resolved = await loadJob(await readJobFile(jobPath), store);
    close = resolved.close;
    const cfg = resolved.config;
    const runner = new VerifyRunner(store, cfg, {
      tables: opts.table,
      chunkRows,
      maxRows,
      signal: controller.signal,
      onStart: (r) => print(formatHeading(r)),
      onTable: (t) => print(formatTable(t)),
    });
    let final: VerifyReport;
    if (repairFrom !== null) {
      print(`repairing what verification #${repairFrom} found …`);
      final = await runner.repairFrom(repairFrom);
    } else if (opts.repair) {
      const reports = await runner.verifyAndRepair();
      if (reports.length > 1) print(formatVerdict(reports[0]!, jobPath).replace(/; repair them with: .*$/, '; repaired; verifying the repaired tables again'));
      final = reports[reports.length - 1]!;
    } else final = await runner.verify();
    if (opts.json) process.stdout.write(JSON.stringify(final, null, 2) + '\n');
    else print(formatVerdict(final, jobPath));
    process.exitCode = exitCodeOf(final.state);
  } catch (e) {
    process.stderr.write(`cutover: ${formatError(e)}\n`);
    process.exitCode = 2;
  } finally {
    await close?.().catch(() => undefined);
    store?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
