// The checklist's last step, the report: built as the checklist stands with this step done (writing the
// report is the step), and, headless (`cutover switch`), written as a Markdown file. The file's path is
// journaled before the file is written, and the file is written whole (a temporary file renamed over it), so
// a rerun after a crash at report:before or report:written writes the same file again, whole, before the
// step is recorded done: a recorded report step always has its file.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CutoverState } from '../../shared/cutover.js';
import type { CrashHook } from './crash-point.js';
import type { Outcome } from './freeze-step.js';
import { buildReport, type ReportInput } from './report.js';

export interface ReportStepInput extends ReportInput {
  /** Where the Markdown file is written; null: the step only records it (the page exports it). */
  dir: string | null;
  /** The path an interrupted run journaled, reused so that a rerun writes the same file. */
  earlierPath: string | null;
  /** Journals the path before the file is written. */
  journal(path: string): void;
  crash: CrashHook;
}

/** The report's file name: the job and the minute it was first written. */
export function reportFileName(job: string, format: 'markdown' | 'html'): string {
  const safe = job.replace(/[^\w.-]+/g, '_');
  const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
  return `cutover-report-${safe}-${stamp}.${format === 'html' ? 'html' : 'md'}`;
}

/** The checklist as it stands once the report step is done. */
export function withReportDone(state: CutoverState): CutoverState {
  const steps = state.steps.map((s) => (s.id === 'report' ? { ...s, state: 'done' as const, blockedBy: null } : s));
  return { ...state, steps, complete: steps.every((s) => s.optional || s.state === 'done' || s.state === 'skipped') };
}

export function reportStep(i: ReportStepInput): Outcome {
  const r = buildReport({ ...i, state: withReportDone(i.state) });
  const lines = r.markdown.split('\n').length;
  if (!i.dir) return { state: 'done', result: { detail: 'Report written; export it as Markdown or HTML.', facts: { lines } } };
  const path = i.earlierPath ?? join(i.dir, reportFileName(i.job.name, 'markdown'));
  i.journal(path);
  writeWhole(path, r.markdown);
  i.crash('report:written');
  return { state: 'done', result: { detail: `Report written to ${path}.`, facts: { lines, file: path } } };
}

/** Writes a file whole or not at all (a temporary file renamed over it), mode 0600. */
function writeWhole(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}
