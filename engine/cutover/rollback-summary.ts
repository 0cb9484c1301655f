// What the rollback's page and report say, as pure functions over its recorded steps: which server takes
// the application's writes now (from the journal: a step's intent is recorded before it acts), and the
// report in Markdown and HTML. Unit-tested (test/unit/rollback-summary.test.ts).
import type { RollbackStep, RollbackStepId, RollbackWritable } from '../../shared/rollback.js';
import type { CutoverStepState } from '../../shared/cutover.js';
import type { ReverseData } from './reverse-job.js';

export interface WritableFacts {
  /** Each step's recorded state (a step not in the map has not begun). */
  states: Partial<Record<RollbackStepId, CutoverStepState>>;
  /** The switch started a reverse job. */
  hasReverse: boolean;
  /** The reverse job's process streams now. */
  reverseRunning: boolean;
  oldServer: string;
  newServer: string;
}

/** Which server takes the application's writes while the rollback runs. */
export function rollbackWritable(f: WritableFacts): RollbackWritable {
  const begun = (s: RollbackStepId): boolean => !!f.states[s] && f.states[s] !== 'pending';
  const writable = f.states.writable;
  if (!f.hasReverse)
    return { takesWrites: 'unknown', detail: 'The switch started no reverse job: there is no rollback here. The cutover page says which server takes writes.' };
  if (writable === 'done')
    return { takesWrites: 'old', detail: `The old server (${f.oldServer}) takes the writes again; the new server (${f.newServer}) stays read-only. Point the application back at the old server.` };
  if (writable === 'running')
    return { takesWrites: 'unknown', detail: `Read-only is being lifted on the old server (${f.oldServer}); the new server (${f.newServer}) is read-only.` };
  if (begun('freeze'))
    return {
      takesWrites: 'neither',
      detail: `Neither server takes the application’s writes: the new server (${f.newServer}) is read-only since the freeze, and the old one (${f.oldServer}) stays read-only until “Old server writable”. Complete the rollback, or go back to the new server with SET GLOBAL read_only = OFF on it.`,
    };
  return {
    takesWrites: 'new',
    detail: f.reverseRunning
      ? `The new server (${f.newServer}) takes the writes; the reverse job keeps the old server (${f.oldServer}) in step.`
      : `The new server (${f.newServer}) takes the writes, but the reverse job is not running: the old server (${f.oldServer}) falls behind until it is started.`,
  };
}

const when = (t: number | null): string => (t ? new Date(t).toISOString() : '—');

/** The rollback report's Markdown. */
export function rollbackReport(job: string, reverse: ReverseData, steps: RollbackStep[]): string {
  const shown = steps.filter((s) => s.id !== 'report');
  const lines = [
    `# Rollback of ${job}`,
    '',
    `Reverse job ${reverse.job}, started at the new server's position ${reverse.start ? `${reverse.start.file}:${reverse.start.pos}` : 'unknown'} at the switch; ${reverse.held?.length ?? 0} trigger(s) of the old server held while it ran.`,
    '',
    '| Step | State | Operator | Started | Finished | Result |',
    '| --- | --- | --- | --- | --- | --- |',
    ...shown.map((s) => `| ${s.title} | ${s.state} | ${s.operator ?? '—'} | ${when(s.startedAt)} | ${when(s.finishedAt)} | ${(s.detail ?? '').replace(/\|/g, '\\|')} |`),
    '',
    shown.every((s) => s.state === 'done')
      ? 'Rolled back: the new server is frozen (proven), the reverse job drained to its fence, the old server matches the new one, its triggers are back and it takes writes.'
      : 'Not rolled back: the steps above that are not done say why.',
  ];
  return lines.join('\n') + '\n';
}

const esc = (v: string): string => v.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const cells = (line: string): string[] => line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));

/** The report's Markdown (a title, paragraphs, one table) as a standalone HTML page. */
export function rollbackReportHtml(markdown: string): string {
  const body: string[] = [];
  let title = 'Rollback report';
  const table: string[][] = [];
  const flush = (): void => {
    if (!table.length) return;
    const [head, , ...rows] = table;
    body.push(`<table><thead><tr>${head!.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
    table.length = 0;
  };
  for (const line of markdown.split('\n')) {
    if (line.startsWith('|') && line.endsWith('|')) {
      table.push(cells(line));
      continue;
    }
    flush();
    if (line.startsWith('# ')) body.push(`<h1>${esc((title = line.slice(2)))}</h1>`);
    else if (line.trim()) body.push(`<p>${esc(line)}</p>`);
  }
  flush();
  const css =
    'body{font:14px/1.5 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1b1f24}h1{font-size:1.6em}' +
    'table{border-collapse:collapse;width:100%}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f6f8fa}';
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${css}</style></head><body>\n${body.join('\n')}\n</body></html>\n`;
}
