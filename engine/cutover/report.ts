// The cutover report, for change records: what was moved (tables, rows), when (job, copy, stream, each
// checklist step), the binlog positions, the final verification, the objects created on the sink, and
// who did it. Markdown for tickets and wikis; HTML (self-contained, printable) for everything else. No
// secret is ever part of it: endpoints are shown as profile names or URLs without their password.
import type { CutoverState } from '../../shared/cutover.js';
import type { VerifyReport } from '../../shared/verify.js';
import { jobStatus } from '../pipeline/job-status.js';
import { redactUrl } from '../mysql/connection.js';
import { sinkKinds } from '../sink/registry.js';
import type { JobRow, StateStore } from '../state/store.js';

export interface ReportInput {
  store: StateStore;
  job: JobRow;
  state: CutoverState;
  verification: VerifyReport | null;
  generatedBy: string;
}

/** One block of the report: a heading, then paragraphs and/or a table. Rendered to Markdown or HTML. */
interface Section {
  title: string;
  lines?: string[];
  table?: { head: string[]; rows: (string | number)[][] };
}

const point = (p: { file: string; pos: number } | null): string => (p ? `${p.file}:${p.pos}` : '—');
const iso = (ms: number | null | undefined): string => (ms ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '—');

function duration(from: number | null | undefined, to: number | null | undefined): string {
  if (!from || !to || to < from) return '—';
  let s = Math.round((to - from) / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return h ? `${h} h ${m} min` : m ? `${m} min ${s} s` : `${s} s`;
}

/** A job file endpoint as text without secrets: a profile name, a URL without its password, or brokers. */
export function describeEndpoint(e: unknown): string {
  const o = (e ?? {}) as { profile?: string; url?: string; brokers?: string[]; type?: string };
  // A sink names its kind (a source's endpoint has no type); a URL says it by its scheme.
  const kind = o.type ? `${sinkKinds().find((k) => k.kind === o.type)?.title ?? o.type} ` : '';
  if (o.profile) return `${kind}saved connection “${o.profile}”`;
  if (o.url) return redactUrl(o.url).replace(/\/\/([^:@/]*):\*\*\*@/, '//$1@');
  if (o.brokers) return `${kind}${o.brokers.join(', ')}`;
  return '—';
}

/**
 * What the cutover proved, one line each, in words that claim nothing unproven: the freeze (read-only point,
 * the last write before it, none after), the fence and the drain, the final verification (a pass counts only
 * when it is the run the checklist's step recorded, made after the stream stopped), and the checklist.
 */
export function proofLines(i: Pick<ReportInput, 'state' | 'verification'>): string[] {
  const step = (id: string) => i.state.steps.find((s) => s.id === id);
  const freeze = step('read-only');
  const fence = step('fence');
  const verify = step('verify');
  const f = freeze?.facts ?? {};
  const lines: string[] = [];
  if (freeze?.state === 'done')
    lines.push(
      `Write freeze: **proven**. Read-only from ${String(f.freezePosition)} (${String(f.statement)}); the last write to the job’s tables before it: ${String(f.lastWriteBefore)}; none after it (change stream read up to ${String(f.watchedTo)}${fence?.state === 'done' ? ', again up to the fence' : ''}).`,
    );
  else lines.push(`Write freeze: **not proven** (step ${freeze?.state ?? 'pending'}${freeze?.state === 'failed' && f.writesAfterFreeze ? `: ${String(f.writesAfterFreeze)} write(s) after read-only` : ''}).`);
  if (fence?.state === 'done')
    lines.push(`Fence: written at ${String(fence.facts.position)}, applied by the sink at ${String(fence.facts.appliedPosition)}; the stream drained to ${String(fence.facts.drainPosition)} and stopped for good at ${String(fence.facts.stoppedAt)}.`);
  else lines.push(`Fence, drain, stop: **not done** (step ${fence?.state ?? 'pending'}).`);
  const v = i.verification;
  const recorded = verify?.state === 'done' && v && Number(verify.facts.verificationId) === v.id && v.state === 'pass';
  if (recorded) lines.push(`Final verification: **pass** (verification ${v.id}, ${iso(v.finishedAt)}): every table matches.`);
  else if (v) lines.push(`Final verification: **not proven** — the latest run (verification ${v.id}) is ${v.state}${verify?.state === 'done' ? '' : `, and the checklist's step is ${verify?.state ?? 'pending'}`}.`);
  else lines.push('Final verification: **not run**.');
  const reverse = step('reverse');
  if (reverse?.state === 'done') lines.push(`Way back: the reverse job ${String(reverse.facts.reverseJob)} streams the new server's changes to the old server from ${String(reverse.facts.startPosition)} (the new server's position at the switch); ${String(reverse.facts.triggersHeld)} trigger(s) of the old server held until a rollback.`);
  else if (reverse?.state === 'skipped') lines.push(`Way back: **none** — ${reverse.detail ?? 'skipped'}`);
  else if (reverse) lines.push(`Way back: **not started** (step ${reverse.state}).`);
  const open = i.state.steps.filter((s) => !s.optional && s.state !== 'done' && s.state !== 'skipped');
  lines.push(open.length ? `Checklist: **not complete**: ${open.map((s) => `“${s.title}” is ${s.state}`).join('; ')}.` : 'Checklist: every step done.');
  return lines;
}

function sections(i: ReportInput): Section[] {
  const { job, state } = i;
  const status = jobStatus(i.store, job);
  const cfg = JSON.parse(job.config) as { mode?: string; source?: unknown; sink?: unknown };
  const tables = i.store.tables(job.id);
  const copyStarted = Math.min(...tables.map((t) => t.started_at ?? Infinity));
  const copyFinished = tables.length && tables.every((t) => t.finished_at) ? Math.max(...tables.map((t) => t.finished_at!)) : null;
  const rows = tables.reduce((n, t) => n + t.rows_copied, 0);
  const streamed = tables.reduce((n, t) => n + t.inserts + t.updates + t.deletes, 0);
  const fence = state.steps.find((s) => s.id === 'fence');
  const freeze = state.steps.find((s) => s.id === 'read-only');
  const out: Section[] = [
    {
      title: 'Summary',
      lines: [
        `Job **${job.name}** (${cfg.mode ?? 'snapshot'}): ${tables.length} table(s), ${rows.toLocaleString('en-US')} rows copied, ${streamed.toLocaleString('en-US')} row changes streamed.`,
        `Source: ${describeEndpoint(cfg.source)}. Sink: ${describeEndpoint(cfg.sink)}.`,
        ...proofLines(i),
        `Report generated ${iso(Date.now())} by ${i.generatedBy}.`,
      ],
    },
    {
      title: 'Timings',
      table: {
        head: ['What', 'Started', 'Finished', 'Took'],
        rows: [
          ['Job', iso(job.started_at), iso(job.finished_at), duration(job.started_at, job.finished_at ?? Date.now())],
          ['Copy', iso(Number.isFinite(copyStarted) ? copyStarted : null), iso(copyFinished), duration(Number.isFinite(copyStarted) ? copyStarted : null, copyFinished)],
          ...state.steps.filter((s) => s.startedAt).map((s) => [`Cutover: ${s.title}`, iso(s.startedAt), iso(s.finishedAt), duration(s.startedAt, s.finishedAt)]),
        ],
      },
    },
    {
      title: 'Binlog positions',
      table: {
        head: ['Position', 'File:position', 'GTID'],
        rows: [
          ['Copy started', point(status.copyStartPosition), status.copyStartPosition?.gtid ?? '—'],
          ['Copy finished', point(status.copyEndPosition), status.copyEndPosition?.gtid ?? '—'],
          ['Applied on the sink', status.stream?.applied ? `${status.stream.applied.file}:${status.stream.applied.pos}` : '—', status.stream?.applied?.gtid ?? '—'],
          ['Freeze (read-only from)', String(freeze?.facts.freezePosition ?? '—'), '—'],
          ['Last write to the job’s tables before the freeze', String(freeze?.facts.lastWriteBefore ?? '—'), String(freeze?.facts.lastWriteBeforeGtid ?? '—')],
          ['Fence', String(fence?.facts.position ?? '—'), String(fence?.facts.gtid ?? '—')],
          ['Drained to (stream stopped)', String(fence?.facts.drainPosition ?? '—'), String(fence?.facts.drainGtid ?? '—')],
          ['Reverse job starts (new server)', String(state.steps.find((s) => s.id === 'reverse')?.facts.startPosition ?? '—'), '—'],
        ],
      },
    },
    {
      title: 'Cutover checklist',
      table: {
        head: ['Step', 'State', 'By', 'Started', 'Finished', 'Result'],
        rows: state.steps.map((s) => [s.title, s.state, s.operator ?? '—', iso(s.startedAt), iso(s.finishedAt), s.detail ?? '']),
      },
    },
  ];
  const v = i.verification;
  const verifyByTable = new Map((v?.tables ?? []).map((t) => [t.table, t]));
  out.push({
    title: 'Tables',
    table: {
      head: ['Source', 'Sink', 'Rows copied', 'Inserts', 'Updates', 'Deletes', 'Verification'],
      rows: tables.map((t) => {
        const name = `${t.src_db}.${t.src_table}`;
        const vt = verifyByTable.get(name);
        const verdict = !vt ? '—' : vt.state === 'match' ? `match (${vt.rowsSource.toLocaleString('en-US')} rows)` : vt.state === 'mismatch' ? `${vt.mismatches.length}${vt.truncated ? '+' : ''} row(s) differ` : vt.state;
        return [name, `${t.sink_db}.${t.sink_table}`, t.rows_copied, t.inserts, t.updates, t.deletes, verdict];
      }),
    },
  });
  if (v) {
    out.push({
      title: 'Final verification',
      lines: [
        `Verification ${v.id}: **${v.state}**, ${iso(v.startedAt)} – ${iso(v.finishedAt)}, by ${v.operator}${v.whileStreaming ? ' (while streaming; differing chunks compared again once the sink had caught up)' : ''}.`,
        `${v.summary.matched} of ${v.summary.tables} table(s) match; ${v.summary.rowsSource.toLocaleString('en-US')} source rows, ${v.summary.rowsSink.toLocaleString('en-US')} sink rows; ${v.summary.mismatchedRows} row(s) differ.`,
        `Source binlog during the comparison: ${v.sourcePosition.start ?? '—'} → ${v.sourcePosition.end ?? '—'}.`,
      ],
    });
  }
  if (state.deferred.length)
    out.push({ title: 'Triggers, routines and events', table: { head: ['Kind', 'Source', 'Sink', 'State', 'Error'], rows: state.deferred.map((o) => [o.kind, o.name, o.sinkName, o.state, o.error ?? '']) } });
  out.push({ title: 'Rollback', lines: state.steps.map((s) => `- **${s.title}**: ${s.rollback}`) });
  return out;
}

const mdCell = (v: string | number): string => String(v).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function toMarkdown(title: string, secs: Section[]): string {
  const out = [`# ${title}`, ''];
  for (const s of secs) {
    out.push(`## ${s.title}`, '');
    if (s.lines) out.push(...s.lines.map((l) => (l.startsWith('- ') ? l : `${l}  `)), '');
    if (s.table) {
      out.push(`| ${s.table.head.join(' | ')} |`, `| ${s.table.head.map(() => '---').join(' | ')} |`);
      for (const r of s.table.rows) out.push(`| ${r.map(mdCell).join(' | ')} |`);
      out.push('');
    }
  }
  return out.join('\n');
}

const esc = (v: string | number): string => String(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const inline = (s: string): string => esc(s).replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>');

function toHtml(title: string, secs: Section[]): string {
  const body: string[] = [`<h1>${esc(title)}</h1>`];
  for (const s of secs) {
    body.push(`<h2>${esc(s.title)}</h2>`);
    const bullets = (s.lines ?? []).filter((l) => l.startsWith('- '));
    for (const l of (s.lines ?? []).filter((l) => !l.startsWith('- '))) body.push(`<p>${inline(l)}</p>`);
    if (bullets.length) body.push(`<ul>${bullets.map((l) => `<li>${inline(l.slice(2))}</li>`).join('')}</ul>`);
    if (s.table)
      body.push(
        `<table><thead><tr>${s.table.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${s.table.rows
          .map((r) => `<tr>${r.map((c) => `<td${typeof c === 'number' ? ' class="num"' : ''}>${esc(typeof c === 'number' ? c.toLocaleString('en-US') : c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`,
      );
  }
  const css =
    'body{font:14px/1.5 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1b1f24}' +
    'h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #d0d7de}' +
    'table{border-collapse:collapse;width:100%}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}' +
    'th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}';
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${css}</style></head><body>\n${body.join('\n')}\n</body></html>\n`;
}

export function buildReport(i: ReportInput): { markdown: string; html: string } {
  const title = `Cutover report: ${i.job.name}`;
  const secs = sections(i);
  return { markdown: toMarkdown(title, secs), html: toHtml(title, secs) };
}
