// Helpers for the verification tests: `cutover verify` on a job file and state file, and its --json report.
import assert from 'node:assert/strict';
import type { VerifyReport } from '../../shared/verify.js';
import { describeRun, runCliWithTimeout, type CliResult } from './db.js';

/** `cutover verify JOB --state STATE ARGS…` (killed after `ms`). */
export function runVerify(jobPath: string, state: string, args: string[], ms = 180_000): Promise<CliResult> {
  return runCliWithTimeout(['verify', jobPath, '--state', state, ...args], ms);
}

/** The report `verify --json` printed (fails with the run's output when there is none). */
export function verifyReport(r: CliResult): VerifyReport {
  try {
    return JSON.parse(r.stdout) as VerifyReport;
  } catch {
    assert.fail(`verify --json printed no report\n${describeRun(r)}`);
  }
}
