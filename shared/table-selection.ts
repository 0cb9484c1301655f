// Which source tables a job takes, and what they are called on the sink.
import type { JobConfig } from './job-config.js';

export interface TableRef {
  db: string;
  table: string;
}

/** Cutover's own database (the MySQL sink's checkpoints, the source heartbeat): never offered, never copied. */
export const CUTOVER_DATABASE = '_cutover';

export const SYSTEM_DATABASES = new Set(['mysql', 'information_schema', 'performance_schema', 'sys', CUTOVER_DATABASE]);

/** A table pattern of a job file: `db.table`, `db.*`, or a `/regular expression/` over `db.table`. */export function isValidPattern(p: string): boolean {
  if (p.startsWith('/')) {
    if (!p.endsWith('/') || p.length < 3) return false;
    try {
      new RegExp(p.slice(1, -1));
      return true;
    } catch {
      return false;
    }
  }
  return /^[^.]+\.[^.]+$/.test(p);
}

export function matchesPattern(pattern: string, ref: TableRef): boolean {
  const full = `${ref.db}.${ref.table}`;
  if (pattern.startsWith('/') && pattern.endsWith('/')) return new RegExp(pattern.slice(1, -1)).test(full);
  const [db, table] = pattern.split('.') as [string, string];
  return db === ref.db && (table === '*' || table === ref.table);
}

export function isSelected(cfg: Pick<JobConfig, 'tables'>, ref: TableRef): boolean {
  if (SYSTEM_DATABASES.has(ref.db)) return false;
  return cfg.tables.include.some((p) => matchesPattern(p, ref)) && !cfg.tables.exclude.some((p) => matchesPattern(p, ref));
}

/** The sink name of a source table: a table rename wins over a database rename. */
export function sinkName(cfg: Pick<JobConfig, 'rename'>, ref: TableRef): TableRef {
  const exact = cfg.rename[`${ref.db}.${ref.table}`];
  if (exact) {
    const [db, table] = exact.split('.') as [string, string];
    return { db, table };
  }
  return { db: cfg.rename[ref.db] ?? ref.db, table: ref.table };
}

export function sinkDatabase(cfg: Pick<JobConfig, 'rename'>, db: string): string {
  return cfg.rename[db] ?? db;
}

export function excludedColumns(cfg: Pick<JobConfig, 'columns'>, ref: TableRef): Set<string> {
  return new Set(cfg.columns[`${ref.db}.${ref.table}`]?.exclude ?? []);
}

export function rowFilter(cfg: Pick<JobConfig, 'where'>, ref: TableRef): string | undefined {
  return cfg.where[`${ref.db}.${ref.table}`];
}

export function qualified(ref: TableRef): string {
  return `${ref.db}.${ref.table}`;
}
