// Decides what to do on a MySQL sink with one DDL statement read from the source binlog (the text of a
// QUERY event plus its default database): ignore it, apply it with table names mapped, or refuse it as
// unmappable. The job's table selection, renames and column exclusions decide.
//
// The statement is split by a small tokenizer (backtick identifiers, quoted strings, the three comment
// forms, executable comments /*!NNNNN … */ and /*M!NNNNNN … */ whose content is treated as code). Only the
// tokens of table names that get mapped are rewritten, always as fully qualified `db`.`table`, so the
// result does not depend on the sink session's default database; every other byte is kept. Unqualified
// names resolve to the event's default database, except in REFERENCES, where the server resolves them to
// the child table's database. Table names compare case-sensitively, column names case-insensitively.
import type { JobConfig } from '../../shared/job-config.js';
import { excludedColumns, isSelected, sinkName, type TableRef } from '../../shared/table-selection.js';
import { quoteTable } from './identifiers.js';

export type DdlChange = 'create' | 'alter' | 'drop' | 'rename' | 'truncate' | 'index';
export interface DdlTarget { source: TableRef; change: DdlChange; /** for rename: the new source name */ renamedTo?: TableRef }
export type DdlAction =
  | { kind: 'ignore'; reason: string } // touches no included table (or is not table DDL)
  | { kind: 'apply'; sql: string; targets: DdlTarget[] } // the statement rewritten for the sink, names mapped
  | { kind: 'unmappable'; reason: string; targets: DdlTarget[] }; // touches an included table, cannot be mapped safely

type Cfg = Pick<JobConfig, 'tables' | 'rename' | 'columns'>;

/** w: word (unquoted identifier, keyword or number), q: backtick identifier, s: string, p: punctuation. */
export interface Tok { t: 'w' | 'q' | 's' | 'p'; v: string; s: number; e: number }

const isWordChar = (c: string): boolean => /[A-Za-z0-9_$]/.test(c) || c.charCodeAt(0) >= 0x80;

export function tokenize(sql: string): Tok[] {
  const out: Tok[] = [];
  let inExec = false;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const start = i;
    if (/\s/.test(c)) i++;
    else if (inExec && sql.startsWith('*/', i)) (inExec = false), (i += 2);
    else if (sql.startsWith('/*!', i) || sql.startsWith('/*M!', i)) {
      i += sql[i + 2] === 'M' ? 4 : 3;
      for (let n = 0; n < 6 && /[0-9]/.test(sql[i] ?? ''); n++) i++;
      inExec = true;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === '#' || (sql.startsWith('--', i) && (i + 2 >= sql.length || /[\s\x00-\x1f]/.test(sql[i + 2]!)))) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '`') {
      let v = '';
      for (i++; i < sql.length; i++) {
        if (sql[i] === '`') {
          if (sql[i + 1] !== '`') break;
          i++;
        }
        v += sql[i];
      }
      i = Math.min(i + 1, sql.length);
      out.push({ t: 'q', v, s: start, e: i });
    } else if (c === "'" || c === '"') {
      for (i++; i < sql.length; i++) {
        if (sql[i] === '\\') i++;
        else if (sql[i] === c) {
          if (sql[i + 1] !== c) break;
          i++;
        }
      }
      i = Math.min(i + 1, sql.length);
      out.push({ t: 's', v: sql.slice(start, i), s: start, e: i });
    } else if (isWordChar(c)) {
      while (i < sql.length && isWordChar(sql[i]!)) i++;
      out.push({ t: 'w', v: sql.slice(start, i), s: start, e: i });
    } else out.push({ t: 'p', v: c, s: start, e: ++i });
  }
  return out;
}

/** A table name: its span in the text, the token index after it and its token indexes. */
interface Name { ref: TableRef; s: number; e: number; next: number; toks: number[] }

const ignore = (reason: string): DdlAction => ({ kind: 'ignore', reason });
const unmappable = (reason: string, targets: DdlTarget[] = []): DdlAction => ({ kind: 'unmappable', reason, targets });
const show = (r: TableRef): string => quoteTable(r);
const lowerSet = (s: Set<string>): Set<string> => new Set([...s].map((c) => c.toLowerCase()));
const sameSet = (a: Set<string>, b: Set<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));

class Mapper {
  readonly edits: { s: number; e: number; text: string }[] = [];
  /** token indexes that are (parts of) table names, skipped when looking for excluded columns */
  readonly nameToks = new Set<number>();

  constructor(readonly sql: string, readonly toks: Tok[], readonly defaultDb: string, readonly cfg: Cfg) {}

  kw(i: number, ...words: string[]): boolean {
    const t = this.toks[i];
    return t !== undefined && t.t === 'w' && words.includes(t.v.toUpperCase());
  }
  punct(i: number, p: string): boolean {
    const t = this.toks[i];
    return t !== undefined && t.t === 'p' && t.v === p;
  }
  /** Skips an optional keyword sequence such as IF NOT EXISTS. */
  opt(i: number, ...words: string[]): number {
    return words.every((w, k) => this.kw(i + k, w)) ? i + words.length : i;
  }

  name(i: number, db = this.defaultDb): Name | undefined {
    const a = this.toks[i];
    if (!a || (a.t !== 'w' && a.t !== 'q')) return undefined;
    const b = this.toks[i + 2];
    if (this.punct(i + 1, '.') && b && (b.t === 'w' || b.t === 'q'))
      return { ref: { db: a.v, table: b.v }, s: a.s, e: b.e, next: i + 3, toks: [i, i + 1, i + 2] };
    return { ref: { db, table: a.v }, s: a.s, e: a.e, next: i + 1, toks: [i] };
  }

  selected(r: TableRef): boolean {
    return isSelected(this.cfg, r);
  }
  sink(r: TableRef): string {
    return quoteTable(sinkName(this.cfg, r));
  }
  /** Rewrites a name in place to its fully qualified sink name. */
  map(n: Name): void {
    this.edits.push({ s: n.s, e: n.e, text: this.sink(n.ref) });
    n.toks.forEach((k) => this.nameToks.add(k));
  }
  excluded(r: TableRef): Set<string> {
    return lowerSet(excludedColumns(this.cfg, r));
  }

  /** Identifiers from token `from` on that name an excluded column of `r` (table name tokens skipped). */
  mentions(from: number, r: TableRef): string[] {
    const ex = this.excluded(r);
    if (!ex.size) return [];
    const hits = this.toks.filter((t, k) => k >= from && (t.t === 'w' || t.t === 'q') && !this.nameToks.has(k) && ex.has(t.v.toLowerCase()));
    return [...new Set(hits.map((t) => t.v))];
  }

  /**
   * REFERENCES name → the sink name when the referenced table is included. Unqualified names mean the
   * child's database; one left unmapped is qualified when the child moves to a renamed database.
   */
  mapReferences(from: number, child: TableRef): void {
    for (let k = from; k < this.toks.length; k++) {
      if (!this.kw(k, 'REFERENCES')) continue;
      const n = this.name(k + 1, child.db);
      if (!n) continue;
      if (this.selected(n.ref)) this.map(n);
      else if (n.toks.length === 1 && sinkName(this.cfg, child).db !== child.db) this.edits.push({ s: n.s, e: n.e, text: quoteTable(n.ref) });
      n.toks.forEach((t) => this.nameToks.add(t));
    }
  }

  apply(targets: DdlTarget[]): DdlAction {
    let sql = this.sql;
    for (const ed of [...this.edits].sort((x, y) => y.s - x.s)) sql = sql.slice(0, ed.s) + ed.text + sql.slice(ed.e);
    return { kind: 'apply', sql, targets };
  }
}

export function mapDdl(sql: string, defaultDb: string, cfg: Cfg): DdlAction {
  const toks = tokenize(sql);
  const m = new Mapper(sql, toks, defaultDb, cfg);
  const first = toks[0]?.t === 'w' ? toks[0].v.toUpperCase() : '';
  if (first === 'CREATE') return create(m);
  if (first === 'ALTER') return alter(m);
  if (first === 'DROP') return drop(m);
  if (first === 'RENAME') return renameTables(m);
  if (first === 'TRUNCATE') return truncate(m);
  return ignore(first ? `${first} is not table DDL` : 'empty statement');
}

const unparsed = (what: string): DdlAction => unmappable(`cannot parse the table name of this ${what} statement`);

function create(m: Mapper): DdlAction {
  let p = m.opt(m.opt(1, 'OR', 'REPLACE'), 'ONLINE');
  if (m.kw(p, 'TEMPORARY')) return ignore('temporary tables are not replicated');
  if (m.kw(p, 'UNIQUE', 'FULLTEXT', 'SPATIAL')) p++;
  if (m.kw(p, 'INDEX')) return index(m, m.opt(p + 1, 'IF', 'NOT', 'EXISTS'), 'CREATE INDEX');
  if (!m.kw(p, 'TABLE')) return ignore(`CREATE ${m.toks[p]?.v ?? ''} is not table DDL`);
  const n = m.name(m.opt(p + 1, 'IF', 'NOT', 'EXISTS'));
  if (!n) return unparsed('CREATE TABLE');
  if (!m.selected(n.ref)) return ignore(`${show(n.ref)} is not in the selection`);
  const targets: DdlTarget[] = [{ source: n.ref, change: 'create' }];
  if (m.excluded(n.ref).size)
    return unmappable(`columns excluded from ${show(n.ref)}: the sink table must differ from the source, create the table by hand`, targets);
  m.map(n);
  const likeAt = m.kw(n.next, 'LIKE') ? n.next + 1 : m.punct(n.next, '(') && m.kw(n.next + 1, 'LIKE') ? n.next + 2 : -1;
  if (likeAt > 0) {
    const like = m.name(likeAt);
    if (!like) return unparsed('CREATE TABLE … LIKE');
    if (!m.selected(like.ref)) return unmappable(`${show(n.ref)} copies ${show(like.ref)}, which is not in the selection`, targets);
    if (m.excluded(like.ref).size)
      return unmappable(`${show(n.ref)} copies ${show(like.ref)}, which has excluded columns on the sink`, targets);
    m.map(like);
  }
  if (m.toks.some((t, k) => k >= n.next && m.kw(k, 'SELECT')))
    return unmappable(`CREATE TABLE … SELECT ${show(n.ref)} reads other tables: create it by hand`, targets);
  m.mapReferences(n.next, n.ref);
  return m.apply(targets);
}

function alter(m: Mapper): DdlAction {
  const p = m.opt(m.opt(m.opt(1, 'ONLINE'), 'OFFLINE'), 'IGNORE');
  if (!m.kw(p, 'TABLE')) return ignore(`ALTER ${m.toks[p]?.v ?? ''} is not table DDL`);
  const n = m.name(m.opt(p + 1, 'IF', 'EXISTS'));
  if (!n) return unparsed('ALTER TABLE');
  let renamed: Name | undefined;
  const others: Name[] = []; // EXCHANGE PARTITION … WITH TABLE t, CONVERT TABLE t …
  let depth = 0;
  for (let k = n.next; k < m.toks.length; k++) {
    if (m.punct(k, '(')) depth++;
    else if (m.punct(k, ')')) depth--;
    else if (depth > 0) continue;
    else if (m.kw(k, 'RENAME') && !m.kw(k + 1, 'COLUMN', 'INDEX', 'KEY', 'CONSTRAINT')) {
      renamed = m.name(m.opt(m.opt(k + 1, 'TO'), 'AS'));
      if (!renamed) return unparsed('ALTER TABLE … RENAME');
      k = renamed.next - 1;
    } else if (m.kw(k, 'TABLE')) {
      const o = m.name(k + 1);
      if (!o) return unparsed('ALTER TABLE');
      others.push(o);
      k = o.next - 1;
    }
  }
  const sel = m.selected(n.ref);
  const target: DdlTarget = renamed ? { source: n.ref, change: 'rename', renamedTo: renamed.ref } : { source: n.ref, change: 'alter' };
  const outside = others.filter((o) => !m.selected(o.ref)).map((o) => show(o.ref));
  if (!sel) {
    if (renamed && m.selected(renamed.ref))
      return unmappable(`${show(n.ref)} (not in the selection) is renamed to ${show(renamed.ref)}, which is: its rows were never copied`, [target]);
    const inside = others.filter((o) => m.selected(o.ref));
    if (inside.length) return unmappable(`${show(n.ref)} (not in the selection) exchanges data with ${show(inside[0]!.ref)}`, [{ source: inside[0]!.ref, change: 'alter' }]);
    return ignore(`${show(n.ref)} is not in the selection`);
  }
  if (renamed && !m.selected(renamed.ref))
    return unmappable(`${show(n.ref)} is renamed to ${show(renamed.ref)}, which is not in the selection`, [target]);
  if (renamed && !sameSet(m.excluded(n.ref), m.excluded(renamed.ref)))
    return unmappable(`${show(n.ref)} is renamed to ${show(renamed.ref)}, which has different column exclusions`, [target]);
  if (outside.length) return unmappable(`${show(n.ref)} exchanges data with ${outside.join(', ')}, not in the selection`, [target]);
  m.map(n);
  if (renamed) m.map(renamed);
  others.forEach((o) => m.map(o));
  m.mapReferences(n.next, renamed?.ref ?? n.ref);
  const hits = m.mentions(n.next, n.ref);
  if (hits.length) {
    if (onlyDropsExcluded(m, n.next, m.excluded(n.ref))) return ignore(`drops excluded column(s) ${hits.join(', ')}, which the sink never had`);
    return unmappable(`the statement names excluded column(s) ${hits.join(', ')} of ${show(n.ref)}`, [target]);
  }
  return m.apply([target]);
}

/** True when the ALTER specification is only DROP [COLUMN] [IF EXISTS] excluded_col, … (plus ALGORITHM/LOCK). */
function onlyDropsExcluded(m: Mapper, from: number, ex: Set<string>): boolean {
  let k = from;
  let drops = 0;
  const end = m.punct(m.toks.length - 1, ';') ? m.toks.length - 1 : m.toks.length;
  for (;;) {
    if (m.kw(k, 'DROP')) {
      k = m.opt(m.opt(k + 1, 'COLUMN'), 'IF', 'EXISTS');
      const t = m.toks[k];
      if (!t || (t.t !== 'w' && t.t !== 'q') || !ex.has(t.v.toLowerCase())) return false;
      drops++;
      k++;
    } else if (m.kw(k, 'ALGORITHM', 'LOCK')) {
      k = m.punct(k + 1, '=') ? k + 3 : k + 2;
    } else return false;
    if (k >= end) return drops > 0;
    if (!m.punct(k, ',')) return false;
    k++;
  }
}

function drop(m: Mapper): DdlAction {
  if (m.kw(1, 'TEMPORARY')) return ignore('temporary tables are not replicated');
  const p = m.opt(m.opt(1, 'ONLINE'), 'OFFLINE');
  if (m.kw(p, 'INDEX')) return index(m, m.opt(p + 1, 'IF', 'EXISTS'), 'DROP INDEX');
  if (!m.kw(1, 'TABLE', 'TABLES')) return ignore(`DROP ${m.toks[1]?.v ?? ''} is not table DDL`);
  const names: Name[] = [];
  for (let k = m.opt(2, 'IF', 'EXISTS'); ; k++) {
    const n = m.name(k);
    if (!n) return unparsed('DROP TABLE');
    names.push(n);
    k = n.next;
    if (!m.punct(k, ',')) break;
  }
  const kept = names.filter((n) => m.selected(n.ref));
  if (!kept.length) return ignore('none of the dropped tables is in the selection');
  if (kept.length === names.length) kept.forEach((n) => m.map(n));
  else m.edits.push({ s: names[0]!.s, e: names.at(-1)!.e, text: kept.map((n) => m.sink(n.ref)).join(', ') });
  return m.apply(kept.map((n) => ({ source: n.ref, change: 'drop' })));
}

function renameTables(m: Mapper): DdlAction {
  if (!m.kw(1, 'TABLE', 'TABLES')) return ignore(`RENAME ${m.toks[1]?.v ?? ''} is not table DDL`);
  const pairs: [Name, Name][] = [];
  for (let k = m.opt(2, 'IF', 'EXISTS'); ; k++) {
    const a = m.name(k);
    if (!a) return unparsed('RENAME TABLE');
    k = m.kw(a.next, 'WAIT') ? a.next + 2 : m.opt(a.next, 'NOWAIT');
    const b = m.kw(k, 'TO') ? m.name(k + 1) : undefined;
    if (!b) return unparsed('RENAME TABLE');
    pairs.push([a, b]);
    k = b.next;
    if (!m.punct(k, ',')) break;
  }
  const target = ([a, b]: [Name, Name]): DdlTarget => ({ source: a.ref, change: 'rename', renamedTo: b.ref });
  const problems: string[] = [];
  const touched: DdlTarget[] = [];
  for (const [a, b] of pairs) {
    const sa = m.selected(a.ref);
    const sb = m.selected(b.ref);
    if (sa !== sb) {
      problems.push(`${show(a.ref)} ${sa ? 'is' : 'is not'} in the selection but ${show(b.ref)} ${sb ? 'is' : 'is not'}`);
      touched.push(target([a, b]));
    } else if (sa && !sameSet(m.excluded(a.ref), m.excluded(b.ref))) {
      problems.push(`${show(a.ref)} and ${show(b.ref)} have different column exclusions`);
      touched.push(target([a, b]));
    }
  }
  if (problems.length) return unmappable(`cannot rename across the selection: ${problems.join('; ')}`, touched);
  const kept = pairs.filter(([a]) => m.selected(a.ref));
  if (!kept.length) return ignore('none of the renamed tables is in the selection');
  if (kept.length === pairs.length) kept.forEach(([a, b]) => (m.map(a), m.map(b)));
  else m.edits.push({ s: pairs[0]![0].s, e: pairs.at(-1)![1].e, text: kept.map(([a, b]) => `${m.sink(a.ref)} TO ${m.sink(b.ref)}`).join(', ') });
  return m.apply(kept.map(target));
}

function truncate(m: Mapper): DdlAction {
  const n = m.name(m.opt(1, 'TABLE'));
  if (!n) return unparsed('TRUNCATE');
  if (!m.selected(n.ref)) return ignore(`${show(n.ref)} is not in the selection`);
  m.map(n);
  return m.apply([{ source: n.ref, change: 'truncate' }]);
}

/** CREATE … INDEX idx [USING x] ON name (…) and DROP INDEX idx ON name; p is the index name's token. */
function index(m: Mapper, p: number, what: string): DdlAction {
  let on = p + 1;
  while (on < m.toks.length && !m.kw(on, 'ON')) on++;
  const n = m.name(on + 1);
  if (!n) return unparsed(what);
  if (!m.selected(n.ref)) return ignore(`${show(n.ref)} is not in the selection`);
  const targets: DdlTarget[] = [{ source: n.ref, change: 'index' }];
  m.map(n);
  const hits = m.mentions(p, n.ref);
  if (hits.length) return unmappable(`${what} names excluded column(s) ${hits.join(', ')} of ${show(n.ref)}`, targets);
  return m.apply(targets);
}
