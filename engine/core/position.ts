// Source positions: where a source's change stream stands, as an opaque, tagged value. The pipeline, the
// sinks and the flows carry positions, store them (JSON in the state file, columns in a sink's checkpoint
// table) and hand them back; they never read a position's fields. They order and show positions only through
// the functions here (a sink or a chunk gate orders positions it holds without a connection to the source),
// which a SourceDriver also exposes as its `positions`. A new source kind adds its tag to the union and its
// order below; nothing else in core learns its fields.

/** A MySQL/MariaDB binlog position: a file and the byte offset of the next event in it, e.g. mysql-bin.000042:4. */
export interface MysqlBinlogPosition {
  kind: 'mysql-binlog';
  file: string;
  pos: number;
}

/** Every kind of source position. Only the source driver of that kind interprets its fields. */
export type SourcePosition = MysqlBinlogPosition;

export type SourcePositionKind = SourcePosition['kind'];

/** How positions of one kind are ordered and shown: a SourceDriver's `positions`. */
export interface PositionOrder {
  /** Negative when a is before b, 0 when equal, positive when after. Positions of different kinds never compare. */
  compare(a: SourcePosition, b: SourcePosition): number;
  /** The operator's text for a position ("mysql-bin.000042:4"), used in logs, errors and the UI. */
  format(p: SourcePosition): string;
  /** The stored JSON of a position (any shape this kind ever wrote) read back; null when it is none of them. */
  parse(json: unknown): SourcePosition | null;
}

const BINLOG_FILE = /^(.+)\.(\d+)$/;

/** The last file name parsed and its sequence: a stream compares positions of one file over and over. */
let lastFile = '';
let lastSequence = NaN;

/** The sequence number in a binlog file name: mysql-bin.000042 → 42. */
function binlogFileSequence(file: string): number {
  // The match allocated an array and two strings per call; the sink compares positions per transaction.
  if (file === lastFile) return lastSequence;
  const m = BINLOG_FILE.exec(file);
  lastFile = file;
  lastSequence = m ? Number(m[2]) : NaN;
  return lastSequence;
}

/**
 * A binlog position from stored JSON: today's `{kind:'mysql-binlog',file,pos}` and what older versions wrote,
 * `{kind:'file',file,pos}` and an untagged `{file,pos}` (the state file's stream state and copy start
 * position, a keyless table's snapshot position). Extra fields (a GTID beside them) are dropped.
 */
function parseMysqlBinlog(v: unknown): MysqlBinlogPosition | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as { kind?: unknown; file?: unknown; pos?: unknown };
  if (o.kind !== undefined && o.kind !== 'mysql-binlog' && o.kind !== 'file') return null;
  const pos = typeof o.pos === 'string' && /^\d+$/.test(o.pos) ? Number(o.pos) : o.pos;
  if (typeof o.file !== 'string' || o.file === '' || typeof pos !== 'number' || !Number.isSafeInteger(pos) || pos < 0) return null;
  return { kind: 'mysql-binlog', file: o.file, pos };
}

const mysqlBinlogOrder: PositionOrder = {
  // Binlog files are numbered in order, so the numeric suffix decides first (names are not compared as
  // strings: .999999 < .1000000).
  compare(a, b) {
    const fa = binlogFileSequence(a.file);
    const fb = binlogFileSequence(b.file);
    if (fa !== fb) return fa - fb;
    return a.pos - b.pos;
  },
  format: (p) => `${p.file}:${p.pos}`,
  parse: parseMysqlBinlog,
};

const ORDERS: Record<SourcePositionKind, PositionOrder> = { 'mysql-binlog': mysqlBinlogOrder };

/** The order of a position kind. */
export function positionOrder(kind: SourcePositionKind): PositionOrder {
  return ORDERS[kind];
}

/** Negative when a is before b (same kind); an error for positions of different kinds, which no job mixes. */
export function comparePositions(a: SourcePosition, b: SourcePosition): number {
  if (a.kind !== b.kind) throw new Error(`cannot order a ${a.kind} position against a ${b.kind} position`);
  return ORDERS[a.kind].compare(a, b);
}

export function formatPosition(p: SourcePosition): string {
  return ORDERS[p.kind].format(p);
}

/**
 * A stored position (parsed JSON) read back in the tagged form, whatever version wrote it. An untagged or
 * `kind:'file'` value is a MySQL binlog position (the only source older versions had). Null when it is not a
 * position.
 */
export function positionFromJson(v: unknown): SourcePosition | null {
  if (!v || typeof v !== 'object') return null;
  const kind = (v as { kind?: unknown }).kind;
  if (kind === undefined || kind === 'file') return parseMysqlBinlog(v);
  if (typeof kind === 'string' && kind in ORDERS) return ORDERS[kind as SourcePositionKind].parse(v);
  return null;
}

/** A position stored as JSON text (a state-file column), or null when the column is empty or holds no position. */
export function readStoredPosition(json: string | null | undefined): SourcePosition | null {
  if (!json) return null;
  try {
    return positionFromJson(JSON.parse(json));
  } catch {
    return null;
  }
}

/** The later of two positions (either may be null). */
export function laterPosition(a: SourcePosition | null, b: SourcePosition | null): SourcePosition | null {
  if (!a) return b;
  if (!b) return a;
  return comparePositions(a, b) >= 0 ? a : b;
}
