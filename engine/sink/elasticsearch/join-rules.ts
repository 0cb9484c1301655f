// Documents from several tables (the job file's "sink.documents"), the pure part. A contributing table
// (e.g. shop.customers, keyed by one column) writes a group of its fields into every document of another
// table (e.g. shop.orders) whose join column ("on", e.g. customer_id) holds the contributing row's key:
//
//   { ...the order's own fields..., "customer": { ...the customer's fields... }, "_cutover": { "v": { "customer": "<version>" } } }
//
// The contributing table keeps its own index (written like any other table): it is the lookup every group
// is read from. A group is always written as the lookup's *current* state of that key, never as the image of
// one change, and `_cutover.v.<as>` holds the version of that state (the external version of the
// contributing row, from its source position). A group state replaces the one a document holds only if its
// version is not older (takesGroup): one `_version` cannot order two tables' writes, so the group carries
// its own. When the contributing row does not exist (deleted, or never there), the document has no group
// field: deleting a customer removes its fields from its orders, never the orders.
import { canonicalJson, isNumber, isObject, memberOf, type ExactJson, type JsonObject } from './exact-json.js';
import { documentId } from './fields.js';

/** The document member holding Cutover's own bookkeeping (the group versions); not indexed. */
export const BOOKKEEPING = '_cutover';

/** One "sink.documents" entry. */
export interface JoinSpec {
  /** The contributing table, "db.table" (source names). */
  from: string;
  /** The table whose documents get the fields, "db.table" (source names). */
  into: string;
  /** The column of `into` holding the contributing row's key. */
  on: string;
  /** The member of the document the fields go in. */
  as: string;
  /** The contributing table's fields written (null: all of them). */
  fields: string[] | null;
}

export function joinSpecs(documents: Record<string, { into: string; on: string; as?: string; fields?: string[] }> | undefined): JoinSpec[] {
  return Object.entries(documents ?? {}).map(([from, d]) => ({ from, into: d.into, on: d.on, as: d.as ?? from.slice(from.indexOf('.') + 1), fields: d.fields ?? null }));
}

/** The contributing row's state as its lookup index holds it now. */
export interface GroupState {
  /** The group's fields; null when the row does not exist. */
  fields: JsonObject | null;
  /** The version of that state (the lookup document's, or the delete's when known); null when unknown. */
  version: string | null;
}

/** The group's fields out of a lookup document's `_source`. */
export function groupFields(spec: JoinSpec, lookup: JsonObject): JsonObject {
  return { members: spec.fields ? lookup.members.filter(([k]) => spec.fields!.includes(k)) : lookup.members };
}

/**
 * Whether a document whose group has version `have` (undefined: none recorded) takes a group state of
 * version `want`. A known older version never replaces a newer one; an equal one is taken (the same state,
 * written again); a state of unknown version (a row the lookup does not have, and whose delete is not in
 * hand) is taken: the lookup is the newest the sink knows.
 */
export function takesGroup(have: string | undefined, want: string | null): boolean {
  if (want === null || have === undefined) return true;
  return BigInt(want) >= BigInt(have);
}

/** The recorded version of a document's group, or undefined. */
export function groupVersion(source: JsonObject, spec: JoinSpec): string | undefined {
  const book = memberOf(source, BOOKKEEPING);
  const v = book && isObject(book) ? memberOf(book, 'v') : undefined;
  const g = v && isObject(v) ? memberOf(v, spec.as) : undefined;
  return typeof g === 'string' ? g : undefined;
}

/** The text a document's join field holds (a string's characters or a number's digits), or null. */
export function joinText(value: ExactJson | undefined): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (isNumber(value)) return value.num;
  return null;
}

/** The lookup `_id` a join text points to (the contributing row's one-column key, fields.ts documentId). */
export const lookupId = (text: string): string => documentId([text]);

/**
 * The document with its group set to `state` (and its version recorded), or null when it already holds it
 * or holds a newer one. Other members keep their values (exact numbers, strings).
 */
export function withGroup(source: JsonObject, spec: JoinSpec, state: GroupState): JsonObject | null {
  const have = groupVersion(source, spec);
  if (!takesGroup(have, state.version)) return null;
  const current = memberOf(source, spec.as);
  const same = state.fields === null ? current === undefined : current !== undefined && canonicalJson(current) === canonicalJson(state.fields);
  const version = state.version ?? have;
  if (same && version === have) return null;
  const members = source.members.filter(([k]) => k !== spec.as && k !== BOOKKEEPING);
  if (state.fields) members.push([spec.as, state.fields]);
  const versions: [string, ExactJson][] = [];
  const book = memberOf(source, BOOKKEEPING);
  const v = book && isObject(book) ? memberOf(book, 'v') : undefined;
  if (v && isObject(v)) for (const [k, x] of v.members) if (k !== spec.as) versions.push([k, x]);
  if (version !== undefined) versions.push([spec.as, version]);
  if (versions.length) members.push([BOOKKEEPING, { members: [['v', { members: versions }]] }]);
  return { members };
}

/** A freshly rendered document (JSON text) with its groups added, as JSON text. */
export function embedGroups(doc: string, groups: { spec: JoinSpec; state: GroupState }[]): string {
  let out = doc.slice(0, -1);
  const versions: string[] = [];
  for (const { spec, state } of groups) {
    if (state.fields) out += `,${JSON.stringify(spec.as)}:${canonicalJson(state.fields)}`;
    if (state.version !== null) versions.push(`${JSON.stringify(spec.as)}:${JSON.stringify(state.version)}`);
  }
  if (versions.length) out += `,${JSON.stringify(BOOKKEEPING)}:{"v":{${versions.join(',')}}}`;
  return `${out}}`;
}

/** A document without the groups and bookkeeping (what its own table's row renders), for verification. */
export function ownFields(source: JsonObject, specs: JoinSpec[]): JsonObject {
  const drop = new Set([BOOKKEEPING, ...specs.map((s) => s.as)]);
  return { members: source.members.filter(([k]) => !drop.has(k)) };
}
