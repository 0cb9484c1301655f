// How long a deleted document's version stays known to the cluster (`index.gc_deletes`, default 60 s).
// While it does, a write with an older external version is refused (a version conflict, "already
// applied"); once it is forgotten, an older write would create the document again. Cutover's stream
// writes each key's changes in source order and replays from its checkpoint in that order too, so a
// replayed older write of a deleted row is followed by the delete again; what the long window guards
// against is an older write that lands alone after the delete: a copy row or a replay after a crash,
// minutes later. Indexes Cutover creates get GC_DELETES unless "sink.settings" says otherwise; the
// preflight warns about an index (existing, or asked for) with a shorter value. The cost: the cluster
// keeps each delete's tombstone (its _id and version) in memory for that long.
export const GC_DELETES = '1h';
export const GC_DELETES_MS = 60 * 60_000;

/** Milliseconds of a time value such as "60s", "1h", "500ms" or a bare number (ms); NaN when unreadable. */
export function timeValueMs(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return NaN;
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*(nanos|micros|ms|s|m|h|d)?\s*$/.exec(v);
  if (!m) return NaN;
  const n = Number(m[1]);
  const unit = { nanos: 1e-6, micros: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms']!;
  return n * unit;
}

/** The problem with an index's gc_deletes for a stream, or null when it is long enough. */
export function gcDeletesProblem(index: string, value: unknown): string | null {
  const ms = value === undefined || value === null ? 60_000 : timeValueMs(value);
  if (Number.isFinite(ms) && ms >= GC_DELETES_MS) return null;
  return `index ${index} has index.gc_deletes ${value ?? '60s (the default)'}: a delete's version is forgotten after that, so a replayed older write landing later could bring a deleted document back`;
}
