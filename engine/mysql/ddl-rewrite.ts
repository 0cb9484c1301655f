// Rewrites the source's SHOW CREATE TABLE / SHOW CREATE VIEW for the sink: renames and excluded columns.
// SHOW CREATE output is regular (one definition per line, identifiers in backticks), so line-wise
// rewriting is exact; anything unexpected is an error, never a silent change.
import { CutoverError } from '../../shared/errors.js';
import type { TableRef } from '../../shared/table-selection.js';
import { quoteId, quoteTable } from './identifiers.js';

const ID = '`((?:[^`]|``)+)`';
const unq = (s: string): string => s.replace(/``/g, '`');

export interface TableRewrite {
  source: TableRef;
  sink: TableRef;
  excludeColumns: Set<string>;
  /** Maps a referenced source table (db, table) to its sink name. */
  mapTable: (ref: TableRef) => TableRef;
}

export interface RewriteResult {
  sql: string;
  droppedIndexes: string[];
  /**
   * Plain secondary indexes (KEY/INDEX: not unique, not full-text or spatial) left out of the CREATE, to
   * be added after the rows are loaded: a sorted index build is much faster than maintaining the index
   * row by row. Empty when the table has foreign keys (InnoDB needs their indexes from the start).
   */
  deferredIndexes: string[];
}

/** Identifiers named in a definition's column list, e.g. KEY `k` (`a`,`b`(10)) → ["a","b"]. */
function listedColumns(line: string): string[] {
  const open = line.indexOf('(');
  if (open < 0) return [];
  let depth = 0;
  let end = open;
  for (let i = open; i < line.length; i++) {
    if (line[i] === '(') depth++;
    else if (line[i] === ')' && --depth === 0) {
      end = i;
      break;
    }
  }
  return [...line.slice(open, end + 1).matchAll(new RegExp(ID, 'g'))].map((m) => unq(m[1]!));
}

function mentions(line: string, cols: Set<string>): string[] {
  return [...line.matchAll(new RegExp(ID, 'g'))].map((m) => unq(m[1]!)).filter((n) => cols.has(n));
}

export function rewriteCreateTable(createSql: string, rw: TableRewrite): RewriteResult {
  const lines = createSql.split('\n');
  const head = lines[0] ?? '';
  const headMatch = new RegExp(`^CREATE TABLE ${ID} \\($`).exec(head);
  if (!headMatch) throw new CutoverError(`Unexpected SHOW CREATE TABLE output for ${quoteTable(rw.source)}: ${head}`, 'Report this as a bug.');
  const closeIdx = lines.findIndex((l, i) => i > 0 && l.startsWith(')'));
  const defs = lines.slice(1, closeIdx).map((l) => l.replace(/,$/, ''));
  const tail = lines.slice(closeIdx);
  const droppedIndexes: string[] = [];
  const kept: string[] = [];
  const ex = rw.excludeColumns;

  for (const def of defs) {
    const t = def.trim();
    const colMatch = new RegExp(`^${ID} `).exec(t);
    if (colMatch) {
      const name = unq(colMatch[1]!);
      if (ex.has(name)) continue;
      const gen = /\b(GENERATED ALWAYS )?AS \(/i.test(t) ? mentions(t.slice(t.search(/\bAS \(/i)), ex) : [];
      if (gen.length)
        throw new CutoverError(
          `Column ${name} of ${quoteTable(rw.source)} is generated from excluded column ${gen.join(', ')}.`,
          `Exclude ${name} too, or stop excluding ${gen.join(', ')}.`,
        );
      kept.push(def);
      continue;
    }
    if (/^(PRIMARY KEY|UNIQUE KEY|UNIQUE INDEX|KEY|INDEX|FULLTEXT|SPATIAL|VECTOR)\b/i.test(t)) {
      const hit = listedColumns(t).filter((c) => ex.has(c));
      if (hit.length) {
        if (/^PRIMARY KEY/i.test(t))
          throw new CutoverError(
            `Column ${hit.join(', ')} of ${quoteTable(rw.source)} is part of the primary key and cannot be excluded.`,
            `Remove it from "columns" → "${rw.source.db}.${rw.source.table}" → "exclude".`,
          );
        droppedIndexes.push(t);
        continue;
      }
      kept.push(def);
      continue;
    }
    if (/^CONSTRAINT /i.test(t)) {
      if (mentions(t.replace(new RegExp(`REFERENCES ${ID}(\\.${ID})? .*$`), ''), ex).length) {
        droppedIndexes.push(t);
        continue;
      }
      kept.push(rewriteReferences(def, rw));
      continue;
    }
    throw new CutoverError(`Unexpected line in SHOW CREATE TABLE ${quoteTable(rw.source)}: ${t}`, 'Report this as a bug.');
  }
  const hasForeignKeys = kept.some((d) => /^\s*CONSTRAINT .* FOREIGN KEY /i.test(d));
  const deferredIndexes = hasForeignKeys ? [] : kept.filter((d) => /^\s*(KEY|INDEX) /i.test(d)).map((d) => d.trim());
  const created = kept.filter((d) => !deferredIndexes.includes(d.trim()));
  const sql = [`CREATE TABLE ${quoteTable(rw.sink)} (`, created.join(',\n'), ...tail].join('\n');
  return { sql, droppedIndexes, deferredIndexes };
}

/** FOREIGN KEY … REFERENCES `t` (…) or `db`.`t` (…) → the referenced table's sink name, fully qualified. */
function rewriteReferences(def: string, rw: TableRewrite): string {
  return def.replace(new RegExp(`REFERENCES ${ID}(?:\\.${ID})? \\(`), (_m, a: string, b?: string) => {
    const ref = b !== undefined ? { db: unq(a), table: unq(b) } : { db: rw.source.db, table: unq(a) };
    return `REFERENCES ${quoteTable(rw.mapTable(ref))} (`;
  });
}

/**
 * SHOW CREATE VIEW → a CREATE VIEW for the sink: no DEFINER (the sink user becomes it), the view's own
 * name and every `db`.`table` reference to a known source table or view mapped to its sink name.
 * String literals are left alone, and a two-part name that is not a known table (an alias and a
 * column, say) is never touched, even when the alias equals a database name.
 */
export function rewriteCreateView(
  createSql: string,
  view: TableRef,
  sinkView: TableRef,
  mapTable: (ref: TableRef) => TableRef,
  isKnownTable: (ref: TableRef) => boolean,
): string {
  const sql = createSql.replace(new RegExp(`DEFINER=${ID}@${ID} `), '');
  const m = new RegExp(`VIEW ${ID}(?:\\.${ID})? AS `).exec(sql);
  if (!m) throw new CutoverError(`Unexpected SHOW CREATE VIEW output for ${quoteTable(view)}`, 'Report this as a bug.');
  const head = sql.slice(0, m.index) + `VIEW ${quoteTable(sinkView)} AS `;
  return head + mapTableNames(sql.slice(m.index + m[0].length), mapTable, isKnownTable);
}

const QID = '`(?:[^`]|``)+`';
/** A name as SHOW CREATE prints it, backticked or bare, without its quotes. */
const unquote = (s: string): string => (s.startsWith('`') ? unq(s.slice(1, -1)) : s);

export type StoredObjectKind = 'trigger' | 'procedure' | 'function' | 'event';

/**
 * SHOW CREATE TRIGGER / PROCEDURE / FUNCTION / EVENT → the statement for the sink: no DEFINER (the sink
 * user becomes it), the object itself fully qualified with its sink database, a trigger's table mapped
 * to its sink name, and every `db`.`table` reference in the body to a known source table mapped like a
 * view's. Unqualified table names in the body resolve in the object's own (sink) database, as they did
 * on the source; a table renamed *within* its database and named unqualified in a body is not rewritten
 * (the caller warns about that).
 */
export function rewriteStoredObject(
  createSql: string,
  kind: StoredObjectKind,
  object: TableRef,
  sinkDb: string,
  mapTable: (ref: TableRef) => TableRef,
  isKnownTable: (ref: TableRef) => boolean,
): string {
  const name = `(${QID}|[\\w$]+)`;
  const sql = createSql.replace(new RegExp(`DEFINER\\s*=\\s*(?:${QID}|'[^']*'|[\\w$]+)@(?:${QID}|'[^']*'|[^\\s]+)\\s+`), '');
  const word = kind.toUpperCase();
  const m = new RegExp(`\\b${word}\\s+(?:IF NOT EXISTS\\s+)?(?:${name}\\.)?${name}`, 'i').exec(sql);
  if (!m) throw new CutoverError(`Unexpected SHOW CREATE ${word} output for ${quoteTable(object)}`, 'Create it on the sink by hand.');
  let head = sql.slice(0, m.index) + `${word} ${quoteTable({ db: sinkDb, table: object.table })}`;
  let rest = sql.slice(m.index + m[0].length);
  if (kind === 'trigger') {
    const on = new RegExp(`^(\\s+(?:BEFORE|AFTER)\\s+(?:INSERT|UPDATE|DELETE)\\s+ON\\s+)(?:${name}\\.)?${name}`, 'i').exec(rest);
    if (!on) throw new CutoverError(`Unexpected SHOW CREATE TRIGGER output for ${quoteTable(object)}: no ON clause`, 'Create it on the sink by hand.');
    const ref = { db: on[2] !== undefined ? unquote(on[2]) : object.db, table: unquote(on[3]!) };
    head += on[1] + quoteTable(mapTable(ref));
    rest = rest.slice(on[0].length);
  }
  return head + mapTableNames(rest, mapTable, isKnownTable);
}

const TWO_PART = new RegExp(`^${ID}\\.${ID}`);

function mapTableNames(body: string, mapTable: (ref: TableRef) => TableRef, isKnown: (ref: TableRef) => boolean): string {
  let out = '';
  let i = 0;
  while (i < body.length) {
    const ch = body[i]!;
    if (ch === "'" || ch === '"') {
      const end = skipString(body, i);
      out += body.slice(i, end);
      i = end;
    } else if (ch === '`') {
      const rest = body.slice(i);
      const two = TWO_PART.exec(rest);
      if (two && body[i - 1] !== '.') {
        const ref = { db: unq(two[1]!), table: unq(two[2]!) };
        out += isKnown(ref) ? quoteTable(mapTable(ref)) : two[0];
        i += two[0].length;
      } else {
        const one = new RegExp(`^${ID}`).exec(rest);
        const len = one ? one[0].length : 1;
        out += body.slice(i, i + len);
        i += len;
      }
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/** The index just past a quoted string starting at `start` (backslash escapes and doubled quotes). */
function skipString(s: string, start: number): number {
  const q = s[start]!;
  for (let i = start + 1; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === q) {
      if (s[i + 1] === q) i++;
      else return i + 1;
    }
  }
  return s.length;
}
