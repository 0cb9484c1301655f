// The reverse job's configuration: the forward job with its roles swapped. Pure, so the rules are
// unit-tested. The reverse job is an ordinary job (`<job>-reverse`, mode `stream`): its source is the new
// server (the forward job's sink), its sink the old server (the forward job's source, where its checkpoint
// lives in the same transaction as the rows), its tables are the forward job's tables under their sink
// names, each rename inverted, and it starts exactly at the new server's binlog position recorded at the
// switch. What cannot be reversed exactly is refused with the reason: a sink that is not a MySQL-compatible
// server, `columns` or `where` filters (the old server holds rows or columns the new one lacks), two source
// tables written to one sink table.
import type { JobFile, SourceEndpoint } from '../../shared/job-config.js';
import { sinkName, type TableRef } from '../../shared/table-selection.js';

export const REVERSE_SUFFIX = '-reverse';

export function reverseJobName(job: string): string {
  return `${job}${REVERSE_SUFFIX}`.slice(0, 100);
}

/** Why the forward job cannot be reversed exactly (empty: it can). `reverse`: the sink kind's capability; `title`: its name. */
export function reverseRefusals(forward: Pick<JobFile, 'columns' | 'where' | 'rename'>, sink: { reverse: boolean; title: string }, tables?: readonly TableRef[]): string[] {
  if (!sink.reverse) return [`There is no way back from a ${sink.title} sink: a reverse job needs the new server to be a MySQL or MariaDB server whose binlog it can read.`];
  const out: string[] = [];
  const cols = Object.entries(forward.columns ?? {}).filter(([, c]) => c.exclude.length).map(([t]) => t);
  if (cols.length) out.push(`The job leaves columns out ("columns" for ${cols.join(', ')}): the new server lacks them, so writing its rows back would lose the old server's values. Remove "columns" from the job (copy every column) to keep a way back, or switch with --no-reverse.`);
  const where = Object.keys(forward.where ?? {});
  if (where.length) out.push(`The job copies only some rows ("where" for ${where.join(', ')}): a reverse job cannot tell the old server's other rows apart from rows the application deleted. Remove "where" to keep a way back, or switch with --no-reverse.`);
  if (tables) {
    const seen = new Map<string, string>();
    for (const t of tables) {
      const s = sinkName({ rename: forward.rename ?? {} }, t);
      const key = `${s.db}.${s.table}`;
      const prev = seen.get(key);
      if (prev) out.push(`${prev} and ${t.db}.${t.table} are both written to ${key}: the reverse job could not tell their rows apart. Rename one of them, or switch with --no-reverse.`);
      else seen.set(key, `${t.db}.${t.table}`);
    }
  }
  return out;
}

/** The renames of the reverse job: every table whose sink name differs, sink name → source name, and each database rename inverted. */
export function invertRenames(rename: Record<string, string>, tables: readonly TableRef[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [from, to] of Object.entries(rename)) if (!from.includes('.')) out[to] = from;
  for (const t of tables) {
    const s = sinkName({ rename }, t);
    if (s.db !== t.db || s.table !== t.table) {
      // A table in a renamed database that keeps its name is covered by the inverted database rename.
      if (s.table === t.table && out[s.db] === t.db) continue;
      out[`${s.db}.${s.table}`] = `${t.db}.${t.table}`;
    }
  }
  return out;
}

export interface ReverseStart {
  file: string;
  pos: number;
}

/**
 * The reverse job file. `forward`: the forward job file as given (endpoints by URL, profile or environment
 * variable: the reverse job reaches each server the same way); `tables`: the forward job's source tables.
 */
export function reverseJobFile(forward: JobFile, tables: readonly TableRef[], start: ReverseStart): JobFile {
  if (forward.sink.type !== 'mysql') throw new Error('reverseJobFile: the sink is not MySQL (reverseRefusals says why)');
  const { type: _t, batchBytes, ...newServer } = forward.sink;
  const include = tables.map((t) => {
    const s = sinkName({ rename: forward.rename ?? {} }, t);
    return `${s.db}.${s.table}`;
  });
  const stream = forward.stream ?? undefined;
  return {
    name: reverseJobName(forward.name),
    source: newServer as SourceEndpoint,
    sink: { type: 'mysql', ...(forward.source as object), ...(batchBytes ? { batchBytes } : {}) } as JobFile['sink'],
    tables: { include: [...new Set(include)].sort(), exclude: [] },
    rename: invertRenames(forward.rename ?? {}, tables),
    columns: {},
    where: {},
    mode: 'stream',
    snapshot: forward.snapshot,
    stream: {
      start: { file: start.file, pos: start.pos },
      batch: stream?.batch ?? { maxRows: 20_000, maxBytes: 8 * 1024 * 1024, maxDelayMs: 500 },
      heartbeat: { enabled: false, intervalMs: 1000 },
    },
    ...(forward.ddl ? { ddl: forward.ddl } : {}),
  };
}
