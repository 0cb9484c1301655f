// Documents from several tables against the cluster (join-rules.ts has the rules). Three moves:
//   - embed: a document of a joined table ("into") written by the copy or the stream gets, in the same
//     write, each group's current state read from the contributing table's own index (`_mget`, real-time);
//   - spread: after the stream wrote a batch, every document whose join field holds a contributing key the
//     batch changed is read (the index refreshed first, so documents written a moment ago are found) and
//     written again with that key's current state, at its own `_version` (`version_type=external_gte`):
//     the document's version, which orders its own table's changes, does not move;
//   - the copy's pass: once every table is copied, every document of a joined table is brought to the
//     lookups' state the same way (the copy writes tables in parallel, so a document may have been
//     embedded before its contributing row was copied).
// One writer (the job) does all of it in order, so the lookup a group is read from holds the newest state
// the sink knows, and whatever order two tables' changes come in, the last write of a group follows the last
// write of its contributing row (README "Documents from several tables" has the full argument).
import { CutoverError } from '../../../shared/errors.js';
import type { RawRow } from '../../core/rows.js';
import { fixForRejection, type DocumentShape } from './bulk-writer.js';
import { isObject, memberOf, parseExactJson, canonicalJson, type JsonObject } from './exact-json.js';
import { keyTextsOf } from './fields.js';
import { fetchDocuments, type SearchClient } from './http.js';
import { embedGroups, groupFields, joinText, lookupId, withGroup, type GroupState, type JoinSpec } from './join-rules.js';

const enc = encodeURIComponent;
/** Documents per page of a spread or pass, and `_id`s per lookup request. */
export const JOIN_PAGE = 500;

/** A contributing key and the version of its last change in the batch (a delete's, if it was deleted). */
export type TouchedKeys = Map<string, string>;

export class DocumentJoins {
  constructor(
    readonly specs: JoinSpec[],
    private readonly client: SearchClient,
    /** The index of a source table ("db.table"), once known. */
    private readonly indexOfSource: (name: string) => string | null,
  ) {}

  /** The joins writing into this table's documents. */
  into(name: string): JoinSpec[] {
    return this.specs.filter((s) => s.into === name);
  }

  /** The join this table contributes to, if any. */
  from(name: string): JoinSpec | undefined {
    return this.specs.find((s) => s.from === name);
  }

  private index(name: string): string {
    const i = this.indexOfSource(name);
    if (!i) throw new CutoverError(`"sink.documents" names ${name}, which this job does not write.`, `Add ${name} to the job's tables, or remove it from "sink.documents".`, 'CONFIG');
    return i;
  }

  /** Each join's lookup `_id` for a row of the "into" table (null when its join column is NULL). */
  joinIds(shape: DocumentShape, specs: JoinSpec[], row: RawRow): (string | null)[] {
    return specs.map((s) => {
      const i = shape.names.indexOf(s.on);
      const raw = i < 0 ? null : row[i];
      return raw === null || raw === undefined ? null : lookupId(shape.rules[i]!.text(raw, `${s.into} column ${s.on}`));
    });
  }

  /** The current states of these contributing keys (`_mget` of the lookup index, real-time). */
  async states(spec: JoinSpec, ids: Iterable<string>, known?: TouchedKeys): Promise<Map<string, GroupState>> {
    const all = [...new Set(ids)];
    const out = new Map<string, GroupState>();
    const index = this.index(spec.from);
    const docs = await fetchDocuments(this.client, index, all, {
      perRequest: JOIN_PAGE,
      missingIndex: () =>
        new CutoverError(
          `The index ${index} of ${spec.from}, whose fields "sink.documents" writes into ${spec.into}, does not exist: it is the lookup those fields are read from.`,
          `Include ${spec.from} in the job's tables, or remove it from "sink.documents"; then run the job again.`,
          'CONFIG',
        ),
    });
    for (const [id, d] of docs) {
      if (isObject(d.source)) out.set(id, { fields: groupFields(spec, d.source), version: joinText(d.version) });
      else out.set(id, { fields: null, version: known?.get(id) ?? null });
    }
    return out;
  }

  /** Rendered documents of the "into" table with their groups added (the lookups as they are now). */
  async embed(specs: JoinSpec[], docs: { doc: string; joinIds: (string | null)[] }[]): Promise<string[]> {
    const states = await Promise.all(specs.map((s, k) => this.states(s, docs.map((d) => d.joinIds[k]).filter((x): x is string => x !== null))));
    return docs.map((d) =>
      embedGroups(
        d.doc,
        specs.map((spec, k) => {
          const id = d.joinIds[k] ?? null;
          return { spec, state: id === null ? { fields: null, version: null } : (states[k]!.get(id) ?? { fields: null, version: null }) };
        }),
      ),
    );
  }

  /**
   * Brings the groups of the "into" index's documents to their lookups' current state: those whose join
   * field holds one of `keys`, or all of them (keys null). Returns the number of documents written.
   */
  async spread(spec: JoinSpec, keys: TouchedKeys | null, signal?: AbortSignal): Promise<number> {
    const target = this.index(spec.into);
    await this.client.request('POST', `${enc(target)}/_refresh`);
    const query = keys ? { terms: { [spec.on]: [...keys.keys()].map((id) => keyTextsOf(id)[0]!) } } : { match_all: {} };
    let written = 0;
    for (let attempt = 0; ; attempt++) {
      const conflicts: string[] = [];
      await this.scan(target, query, async (hits) => {
        const ids = hits.map((h) => lookupId(joinText(memberOf(h.source, spec.on)) ?? '')).filter((x) => x !== lookupId(''));
        const states = await this.states(spec, ids, keys ?? undefined);
        const lines: { id: string; line: string }[] = [];
        for (const h of hits) {
          const text = joinText(memberOf(h.source, spec.on));
          const state = text === null ? { fields: null, version: null } : (states.get(lookupId(text)) ?? { fields: null, version: null });
          const next = withGroup(h.source, spec, state);
          if (!next) continue;
          lines.push({ id: h.id, line: `{"index":{"_index":${JSON.stringify(target)},"_id":${JSON.stringify(h.id)},"version":${h.version},"version_type":"external_gte"}}\n${canonicalJson(next)}\n` });
        }
        if (lines.length) conflicts.push(...(await this.rewrite(target, lines)));
        written += lines.length;
        if (signal?.aborted) throw new Error('stop requested');
      });
      if (!conflicts.length) return written;
      // A document written again meanwhile (a newer version): read it again.
      if (attempt >= 5) throw new CutoverError(`Documents of ${target} kept changing while their ${spec.as} fields were written: ${conflicts.slice(0, 5).join(', ')}.`, 'Another writer changes this index: stop it, then run the job again.', 'SINK');
      await this.client.request('POST', `${enc(target)}/_refresh`);
    }
  }

  /** Every hit of `query` in `index`, a page at a time, with exact `_source` and `_version`. */
  private async scan(index: string, query: unknown, onPage: (hits: { id: string; version: string; source: JsonObject }[]) => Promise<void>): Promise<void> {
    let r = await this.client.request('POST', `${enc(index)}/_search?scroll=2m`, { size: JOIN_PAGE, sort: ['_doc'], version: true, query }, { raw: true });
    let scrollId: string | undefined;
    try {
      for (;;) {
        const body = parseExactJson(String(r.body));
        if (!isObject(body)) throw new Error(`a search answer of ${index} is not an object`);
        const sid = memberOf(body, '_scroll_id');
        if (typeof sid === 'string') scrollId = sid;
        const outer = memberOf(body, 'hits');
        const list = outer && isObject(outer) ? memberOf(outer, 'hits') : undefined;
        const hits = Array.isArray(list) ? list : [];
        if (!hits.length) return;
        await onPage(
          hits.filter(isObject).map((h) => ({ id: String(memberOf(h, '_id')), version: /^\d+$/.test(joinText(memberOf(h, '_version')) ?? '') ? joinText(memberOf(h, '_version'))! : '1', source: memberOf(h, '_source') as JsonObject })),
        );
        if (!scrollId) throw new Error(`the scroll of ${index} returned no _scroll_id`);
        r = await this.client.request('POST', '_search/scroll', { scroll: '2m', scroll_id: scrollId }, { raw: true });
      }
    } finally {
      if (scrollId) await this.client.request('DELETE', '_search/scroll', { scroll_id: [scrollId] }, { ok: [404] }).catch(() => undefined);
    }
  }

  /** Writes documents again at their versions; returns the `_id`s that changed meanwhile (409). */
  private async rewrite(index: string, lines: { id: string; line: string }[]): Promise<string[]> {
    let todo = lines;
    const conflicts: string[] = [];
    let delay = 250;
    while (todo.length) {
      const r = await this.client.request('POST', '_bulk?filter_path=items.*.status,items.*.error', todo.map((l) => l.line).join(''), { contentType: 'application/x-ndjson' });
      const items = ((r.body as { items?: Record<string, { status: number; error?: { type?: string; reason?: string } }>[] }).items ?? []).map((i) => Object.values(i)[0]!);
      if (items.length !== todo.length) throw new CutoverError(`A bulk response of ${index} has ${items.length} items for ${todo.length} documents.`, 'Run the job again; if it repeats, check the cluster\'s logs.', 'SINK');
      const again: typeof lines = [];
      for (const [k, it] of items.entries()) {
        if (it.status < 300) continue;
        if (it.status === 409) conflicts.push(todo[k]!.id);
        else if (it.status === 429) again.push(todo[k]!);
        else
          throw new CutoverError(
            `The search cluster rejected the joined fields of _id ${JSON.stringify(todo[k]!.id)} in index ${index}: ${it.error?.type ?? `HTTP ${it.status}`}: ${it.error?.reason ?? ''}`,
            fixForRejection(it.error?.type ?? '', index),
            'SINK_ROW',
          );
      }
      todo = again;
      if (todo.length) {
        await new Promise((res) => setTimeout(res, delay));
        delay = Math.min(delay * 2, 10_000);
      }
    }
    return conflicts;
  }
}
