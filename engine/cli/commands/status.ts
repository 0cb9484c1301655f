import { comparePositions } from '../../core/position.js';
import { pausedLines } from '../../core/bad-messages.js';
import { jobStatus, type JobStatus } from '../../pipeline/job-status.js';
import { resolveStatePath } from '../../state/default-path.js';
import { StateStore } from '../../state/store.js';

const n = (x: number): string => Math.round(x).toLocaleString('en-US');
const duration = (s: number | null): string =>
  s === null ? '' : s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;

export function renderStatus(s: JobStatus): string {
  const pct = s.estimatedRows ? Math.min(100, (100 * s.rowsCopied) / s.estimatedRows) : s.state === 'done' ? 100 : 0;
  const copies = s.mode !== 'stream';
  const out = [
    `${s.name}: ${s.state}, phase ${PHASES[s.phase] ?? s.phase}` +
      (copies
        ? ` — ${n(s.rowsCopied)} / ${s.state === 'done' ? '' : '~'}${n(s.estimatedRows)} rows (${pct.toFixed(1)}%)` +
          (s.state === 'running' && s.phase === 'copying' ? `, ${n(s.rowsPerSecond)} rows/s${s.etaSeconds !== null ? `, about ${duration(s.etaSeconds)} left` : ''}` : '')
        : ' (stream only, nothing copied)'),
  ];
  const at = (p: { file: string; pos: number; gtid: string | null }): string => `${p.file}:${p.pos}${p.gtid ? ` (GTID ${p.gtid})` : ''}`;
  if (s.copyStartPosition) out.push(`  ${copies ? 'copy started' : 'stream set up'} at source binlog ${at(s.copyStartPosition)}`);
  if (s.copyEndPosition) out.push(`  copy ended at source binlog ${at(s.copyEndPosition)}`);
  if (s.stream) out.push(...renderStream(s));
  for (const c of s.consumers ?? []) {
    out.push(`  consumer process ${c.pid}${c.memberId ? ` (group member ${c.memberId})` : ''}: ${c.partitions.length} partition(s)`);
    for (const p of c.partitions)
      out.push(`    ${p.topic} [${p.partition}]: offset ${p.offset ?? '—'}, end ${p.end ?? '—'}, lag ${p.lag === null ? '—' : `${n(p.lag)} message(s)`}${p.lagMs !== null ? `, ${duration(Math.round(p.lagMs / 1000))} behind` : ''}${'paused' in p && p.paused ? ' — PAUSED at a bad message (below)' : ''}`);
  }
  for (const b of s.pausedMessages ?? []) out.push(...pausedLines(b, '  '));
  if (s.state === 'running' && s.sinkWaitingSeconds != null)
    out.push(`  the sink has not answered for ${duration(s.sinkWaitingSeconds)}: the ${s.phase === 'copying' ? 'copy' : 'job'} is waiting for it`);
  if (s.error) out.push(`  error: ${s.error.replace(/\n/g, '\n  ')}`);
  const streaming = s.stream !== null;
  // Tables that only stream (stream mode, or created by DDL while streaming) and dropped ones were never copied.
  const copied = (state: string): boolean => state !== 'streaming' && state !== 'dropped';
  const rows = s.tables.map((t) => [
    t.source === t.sink ? t.source : `${t.source} → ${t.sink}`,
    t.state,
    copied(t.state) ? `${n(t.rowsCopied)} / ${t.state === 'done' ? '' : '~'}${n(t.estimatedRows)}` : '—',
    copied(t.state) ? `${t.chunksDone} / ${t.chunksTotalExact ? '' : '~'}${t.chunksTotal}` : '—',
    t.rowsPerSecond ? n(t.rowsPerSecond) : '',
    duration(t.etaSeconds),
    ...(streaming ? [n(t.inserts), n(t.updates), n(t.deletes)] : []),
    t.error ?? '',
  ]);
  const head = ['table', 'state', 'rows copied / estimated', 'chunks', 'rows/s', 'ETA', ...(streaming ? ['inserts', 'updates', 'deletes'] : []), 'error'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => '  ' + r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  out.push(fmt(head), ...rows.map(fmt));
  return out.join('\n');
}

const PHASES: Record<string, string> = { 'catching-up': 'catching up' };

/**
 * Whether the stream is still on its way to the catch-up target: not once the phase is "streaming" (the
 * target was reached, also by a run that ended with --exit-when-caught-up), nor once the applied position
 * is at or past it. (`caughtUp` only says that nothing was waiting at the last sample.)
 */
export function catchingUp(s: JobStatus): boolean {
  const st = s.stream;
  if (!st?.target || s.phase === 'streaming' || st.caughtUp) return false;
  if (!st.applied) return true;
  return comparePositions({ kind: 'mysql-binlog', ...st.applied }, { kind: 'mysql-binlog', ...st.target }) < 0;
}

function renderStream(s: JobStatus): string[] {
  const st = s.stream!;
  const pos = (p: { file: string; pos: number; gtid?: string | null } | null): string => (p ? `${p.file}:${p.pos}${p.gtid ? ` (GTID ${p.gtid})` : ''}` : '—');
  const lines = [
    `  stream: applied ${pos(st.applied)}; source at ${pos(st.source)}${catchingUp(s) ? `; catching up to ${st.target!.file}:${st.target!.pos}` : ''}`,
    `  lag: ${st.lagSeconds === null ? 'unknown' : `${st.lagSeconds.toFixed(1)} s`}` +
      (st.behindBytes !== null ? `, ${n(st.behindBytes)} bytes behind` : '') +
      (st.behindTxs !== null ? `, ${n(st.behindTxs)} transactions behind` : '') +
      (st.heartbeatLagMs !== null ? `, heartbeat ${n(st.heartbeatLagMs)} ms${st.heartbeatOnSink ? ` (the age of ${st.heartbeatOnSink})` : ''}` : '') +
      (s.state === 'running' ? `; ${n(st.eventsPerSecond.transactions)} tx/s (${n(st.eventsPerSecond.inserts)} ins, ${n(st.eventsPerSecond.updates)} upd, ${n(st.eventsPerSecond.deletes)} del /s)` : ''),
  ];
  if (st.retentionSecondsLeft !== null) lines.push(`  the source may purge the binlog the stream needs in ${duration(Math.max(0, Math.round(st.retentionSecondsLeft)))}`);
  if (st.pendingDdl) lines.push(`  paused at DDL ${st.pendingDdl.position}: ${st.pendingDdl.sql.replace(/\s+/g, ' ').slice(0, 200)} — run with --skip-ddl to go on`);
  for (const t of st.pausedTables ?? []) {
    const what = t.request ? `${t.request === 'skip' ? 'skipped' : 'resumed'}, applying the held changes` : `apply it to the sink, then: cutover resume-table ${t.table} --job ${s.name} (or --skip)`;
    lines.push(`  table ${t.table} paused at DDL ${t.position}, ${n(t.heldChanges)} change(s) held: ${t.sql.replace(/\s+/g, ' ').slice(0, 200)} — ${what}`);
  }
  return lines;
}

export async function statusCommand(opts: { state?: string; job?: string; json?: boolean }): Promise<void> {
  const store = new StateStore(resolveStatePath(opts.state));
  try {
    const jobs = store.jobs().filter((j) => !opts.job || j.name === opts.job);
    const statuses = jobs.map((j) => jobStatus(store, j));
    if (opts.json) process.stdout.write(JSON.stringify({ stateFile: store.path, jobs: statuses }, null, 2) + '\n');
    else if (!statuses.length) process.stdout.write(`No jobs in ${store.path}${opts.job ? ` named ${opts.job}` : ''}. Start one with: cutover run JOB.json\n`);
    else process.stdout.write(`state file: ${store.path}\n` + statuses.map(renderStatus).join('\n\n') + '\n');
  } finally {
    store.close();
  }
}
