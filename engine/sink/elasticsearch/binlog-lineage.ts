// The binlog numbering an index's versions come from. External versions are binlog file sequence × 2^32 +
// offset (external-version.ts): a source whose numbering starts again (RESET MASTER, a rebuilt server,
// another server) writes smaller versions than the index holds, and every such write would be refused as
// "already applied" — silently. So each index records, in its mapping's `_meta.cutover.binlog.sequence`,
// the highest binlog file sequence whose writes it holds durably, and a write from a smaller sequence stops
// the job with the reason and the fix before anything is sent.
//
// When the record is raised: only after the writes of that sequence are durable and, in the stream, after
// the checkpoint past them is stored. A replay after a crash starts at the stored checkpoint, whose
// sequence is never below the record, so a replay never meets its own record; a copy carries one version
// (its start position) for all its rows, so its chunks written again meet the same sequence.
import { CutoverError } from '../../../shared/errors.js';
import type { SearchClient } from './http.js';
import { versionParts } from './external-version.js';

type Meta = Record<string, unknown> & { cutover?: Record<string, unknown> & { binlog?: { sequence?: unknown } } };

/** The binlog file sequence of an external version (its digits). */
export function sequenceOf(version: string): bigint {
  return versionParts(version).sequence;
}

/** The error for a write from sequence `current` into an index that holds writes up to `recorded`; null when it may go. */
export function lineageProblem(index: string, recorded: bigint | null, current: bigint, url: string): CutoverError | null {
  if (recorded === null || current >= recorded) return null;
  const base = url.replace(/\/$/, '');
  return new CutoverError(
    `The index ${index} holds documents versioned from binlog file sequence ${recorded} of the source, but the source now writes sequence ${current}: ` +
      `its binlog numbering started again (RESET MASTER, a rebuilt or different server). Every write would carry a smaller version than the index's documents and be refused as already applied, so nothing is written.`,
    `Copy into a new index: delete it (curl -X DELETE '${base}/${index}'; deleting its documents is not enough, their delete tombstones keep the old versions) and run the job again with --resnapshot. ` +
      `Or, if the source can be renumbered, continue its numbering above the index's: RESET MASTER TO ${recorded + 1n} (MySQL 8.0+, MariaDB 10.6+; it deletes the source's binary logs).`,
    'SINK',
  );
}

/** Each index's recorded sequence, read once per run; checks writes against it and raises it. */
export class IndexLineage {
  private readonly meta = new Map<string, { meta: Meta; sequence: bigint | null }>();

  constructor(private readonly client: SearchClient) {}

  private async read(index: string): Promise<{ meta: Meta; sequence: bigint | null }> {
    let m = this.meta.get(index);
    if (m) return m;
    const r = await this.client.request('GET', `${encodeURIComponent(index)}/_mapping`, undefined, { ok: [404] });
    const meta = (r.status === 404 ? {} : (Object.values(r.body as Record<string, { mappings?: { _meta?: Meta } }>)[0]?.mappings?._meta ?? {})) as Meta;
    const s = meta.cutover?.binlog?.sequence;
    m = { meta, sequence: typeof s === 'string' && /^\d+$/.test(s) ? BigInt(s) : typeof s === 'number' ? BigInt(s) : null };
    this.meta.set(index, m);
    return m;
  }

  /** Throws when a write of `version` into `index` would come from an older binlog numbering than the index holds. */
  async check(index: string, version: string): Promise<void> {
    const { sequence } = await this.read(index);
    const problem = lineageProblem(index, sequence, sequenceOf(version), this.client.cfg.url);
    if (problem) throw problem;
  }

  /** Records that `index` durably holds writes up to `version`'s sequence (a no-op when it already says so). */
  async raise(index: string, version: string): Promise<void> {
    const m = await this.read(index);
    const seq = sequenceOf(version);
    if (m.sequence !== null && m.sequence >= seq) return;
    const meta: Meta = { ...m.meta, cutover: { ...(m.meta.cutover ?? {}), binlog: { sequence: seq.toString() } } };
    await this.client.request('PUT', `${encodeURIComponent(index)}/_mapping`, { _meta: meta }, { ok: [404] });
    this.meta.set(index, { meta, sequence: seq });
  }
}
