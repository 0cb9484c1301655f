// The source heartbeat kept on the search cluster (stream.heartbeat on): the stream writes this job's
// heartbeat as a document of the index `cutover-heartbeat` (_id: the job name), in the bulk request of the
// batch that holds every source transaction before it, so the document's `written_ms` says "everything the
// source committed before this moment is searchable-to-be on the cluster". Its age, read back from the
// cluster (a realtime GET, not Cutover's memory), is the job's end-to-end lag to the search cluster, shown
// as the heartbeat lag by `status` and the dashboard; an alarm on it (or on the document itself, by any
// monitoring that can query the cluster) catches a stream that stopped, whatever the reason.
// The document carries the external version `written_ms`, so a replay never puts an older beat back.
import type { SourcePosition } from '../../core/position.js';
import { comparePositions, formatPosition } from '../../core/position.js';
import type { SinkHeartbeat } from '../stream-target.js';
import { actionLine } from './bulk-writer.js';
import type { SearchClient } from './http.js';
import type { SearchAction } from './stream-actions.js';

export const HEARTBEAT_INDEX = 'cutover-heartbeat';

const MAPPINGS = {
  dynamic: 'strict',
  properties: { job: { type: 'keyword' }, written_ms: { type: 'long' }, written: { type: 'date' }, position: { type: 'keyword' } },
};

export class SearchHeartbeat implements SinkHeartbeat {
  readonly where: string;
  private beat: { ms: number; at: SourcePosition | null } | null = null;
  private indexReady = false;

  constructor(
    private readonly client: SearchClient,
    private readonly job: string,
  ) {
    this.where = `${HEARTBEAT_INDEX}/_doc/${job}`;
  }

  note(writtenMs: number, at: SourcePosition | null): void {
    if (!this.beat || writtenMs >= this.beat.ms) this.beat = { ms: writtenMs, at };
  }

  /** The heartbeat's write for a batch ending at `end`, when one is noted at or before it (taken: done() drops it). */
  actionFor(end: SourcePosition): SearchAction | null {
    const b = this.beat;
    if (!b || (b.at && comparePositions(b.at, end) > 0)) return null;
    const doc = { job: this.job, written_ms: b.ms, written: new Date(b.ms).toISOString(), position: b.at ? formatPosition(b.at) : null };
    const version = String(b.ms);
    return { op: 'index', index: HEARTBEAT_INDEX, id: this.job, version, table: 'the source heartbeat', body: `${actionLine('index', HEARTBEAT_INDEX, this.job, version)}\n${JSON.stringify(doc)}\n` };
  }

  /** The beat written with a batch: forgotten unless a newer one came meanwhile. */
  written(a: SearchAction): void {
    if (this.beat && String(this.beat.ms) === a.version) this.beat = null;
  }

  /** Creates the heartbeat index with its mappings, once (an index that exists is taken as it is). */
  async ensureIndex(): Promise<void> {
    if (this.indexReady) return;
    const r = await this.client.request('PUT', HEARTBEAT_INDEX, { settings: { index: { number_of_shards: 1, auto_expand_replicas: '0-1' } }, mappings: MAPPINGS }, { ok: [400] });
    if (r.status === 400 && !/resource_already_exists/.test(JSON.stringify(r.body))) throw new Error(`creating the index ${HEARTBEAT_INDEX}: ${JSON.stringify(r.body).slice(0, 300)}`);
    this.indexReady = true;
  }

  async ageMs(): Promise<number | null> {
    const r = await this.client.request('GET', `${HEARTBEAT_INDEX}/_doc/${encodeURIComponent(this.job)}`, undefined, { ok: [404] });
    const ms = (r.body as { found?: boolean; _source?: { written_ms?: unknown } } | null)?._source?.written_ms;
    if (r.status === 404 || typeof ms !== 'number') return null;
    return Math.max(0, Date.now() - ms);
  }
}
