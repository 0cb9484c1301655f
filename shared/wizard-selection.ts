// The wizard's table selection: tables chosen one by one, by database, or by pattern. A pattern stays a
// pattern in the job file ("tables.include"), so tables created later that match it are copied too; a
// matching table unselected afterwards goes to "tables.exclude".
import { matchesPattern } from './table-selection.js';
import type { WizardDraft } from './wizard.js';

/**
 * The selection with these tables added or removed (order kept, new ones appended). A removed table that
 * a kept pattern matches is remembered as excluded; an added one is no longer excluded.
 */
export function withSelection(tables: WizardDraft['tables'], names: readonly string[], on: boolean): WizardDraft['tables'] {
  const patterns = tables.patterns ?? [];
  let selected: string[];
  let excluded = tables.excluded ?? [];
  if (on) {
    const have = new Set(tables.selected);
    selected = [...tables.selected, ...names.filter((n) => !have.has(n) && have.add(n))];
    const added = new Set(names);
    excluded = excluded.filter((n) => !added.has(n));
  } else {
    const drop = new Set(names);
    selected = tables.selected.filter((n) => !drop.has(n));
    const known = new Set(excluded);
    excluded = [...excluded, ...names.filter((n) => !known.has(n) && known.add(n) && patterns.some((p) => patternMatchesName(p, n)))];
  }
  return { selected, ...(patterns.length ? { patterns } : {}), ...(excluded.length ? { excluded } : {}) };
}

/** The selection after "Select by pattern": the matching tables selected, the pattern kept (when it matched any). */
export function withPattern(tables: WizardDraft['tables'], pattern: string, matching: readonly string[]): WizardDraft['tables'] {
  const next = withSelection(tables, matching, true);
  const p = normalizedPattern(pattern);
  const patterns = tables.patterns ?? [];
  if (!matching.length || !p || patterns.includes(p)) return next;
  return { ...next, patterns: [...patterns, p] };
}

/** "shop" → "shop.*"; other patterns as typed (trimmed). */
export function normalizedPattern(pattern: string): string {
  const p = pattern.trim();
  if (!p) return '';
  return p.includes('.') || p.startsWith('/') ? p : `${p}.*`;
}

function patternMatchesName(pattern: string, name: string): boolean {
  const dot = name.indexOf('.');
  try {
    return matchesPattern(normalizedPattern(pattern), { db: name.slice(0, dot), table: name.slice(dot + 1) });
  } catch {
    return false;
  }
}

/**
 * The job file's "tables": the kept patterns, then each selected table no pattern covers; tables a
 * pattern matches that were unselected are excluded.
 */
export function tableSelection(tables: WizardDraft['tables']): { include: string[]; exclude: string[] } {
  const patterns = tables.patterns ?? [];
  const covered = (n: string): boolean => patterns.some((p) => patternMatchesName(p, n));
  const include = [...patterns, ...tables.selected.filter((n) => !covered(n)).map(tablePattern)];
  const selected = new Set(tables.selected);
  const exclude = (tables.excluded ?? []).filter((n) => covered(n) && !selected.has(n)).map(tablePattern);
  return { include, exclude };
}

/** "db.table" as an include pattern; a name with a "." in a part needs an anchored regex. */
export function tablePattern(name: string): string {
  const dot = name.indexOf('.');
  const db = name.slice(0, dot);
  const table = name.slice(dot + 1);
  if (!table.includes('.') && !db.startsWith('/')) return name;
  const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return `/^${esc(db)}\\.${esc(table)}$/`;
}
