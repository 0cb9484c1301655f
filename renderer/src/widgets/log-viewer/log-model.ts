// Pure log-line logic of the log viewer: filtering, merging with a cap, and the export text format.
import type { LogLevel, LogLine } from '../../../../shared/api.js';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
/** The most lines the viewer keeps in memory; older ones are dropped. */
export const MAX_LINES = 5_000;

export function levelRank(level: LogLevel): number {
  const i = LOG_LEVELS.indexOf(level);
  return i < 0 ? 0 : i;
}

export interface LogFilter {
  job?: string;
  minLevel: LogLevel;
  /** Case-insensitive substring of the message (or the table name). */
  search: string;
}

export function matchesLine(line: LogLine, f: LogFilter): boolean {
  if (f.job !== undefined && line.job !== f.job) return false;
  if (levelRank(line.level) < levelRank(f.minLevel)) return false;
  const needle = f.search.trim().toLowerCase();
  if (!needle) return true;
  return line.message.toLowerCase().includes(needle) || (line.table?.toLowerCase().includes(needle) ?? false);
}

/**
 * The union of two id-sorted line lists (no duplicate ids), sorted by id, keeping the newest `max`.
 * Either list may be unsorted; the result always is.
 */
export function mergeLines(a: readonly LogLine[], b: readonly LogLine[], max = MAX_LINES): LogLine[] {
  if (b.length === 0 && a.length <= max && isSorted(a)) return a as LogLine[];
  const byId = new Map<number, LogLine>();
  for (const l of a) byId.set(l.id, l);
  for (const l of b) byId.set(l.id, l);
  const all = [...byId.values()].sort((x, y) => x.id - y.id);
  return all.length > max ? all.slice(all.length - max) : all;
}

function isSorted(lines: readonly LogLine[]): boolean {
  for (let i = 1; i < lines.length; i++) if (lines[i]!.id <= lines[i - 1]!.id) return false;
  return true;
}

/** "2026-11-22T08:40:05.123Z WARN [db.table] message" (no brackets when the line has no table). */
export function formatLogLine(line: LogLine): string {
  const ts = Number.isFinite(line.ts) ? new Date(line.ts).toISOString() : String(line.ts);
  const table = line.table ? ` [${line.table}]` : '';
  return `${ts} ${line.level.toUpperCase()}${table} ${line.message}`;
}

/** The text of an exported .log file: one line each, newline-terminated. */
export function formatLogFile(lines: readonly LogLine[]): string {
  return lines.map((l) => `${formatLogLine(l)}\n`).join('');
}

/** "cutover-shop-20261122-084005.log" (UTC time), safe as a file name. */
export function logFileName(job: string | undefined, nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const name = (job ?? 'all-jobs').replace(/[^A-Za-z0-9._-]+/g, '_');
  return `cutover-${name}-${stamp}.log`;
}
