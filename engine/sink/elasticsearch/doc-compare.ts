// One document against the source row it should hold, field by field (pure). The expected document is
// the row rendered by the copy's own rules (bulk-writer.ts renderDocument, fields.ts); the actual one is
// the `_source` the cluster returns, read with exact-json.ts so no digit is lost. Two fields are equal
// when their canonical texts are (exact-json.ts canonicalJson): every digit of a number as written, a
// string's characters, a JSON column's value whatever its members' order or whitespace. A field on one
// side only differs too (the other side shows "(no field)").
import { VALUE_TEXT_MAX, type ColumnDifference } from '../../../shared/verify.js';
import { canonicalJson, displayJson, isObject, type ExactJson, type JsonObject } from './exact-json.js';

/** How a report shows a field the document does not have. */
export const NO_FIELD = '(no field)';

const cut = (v: string | null): string | null => (v !== null && v.length > VALUE_TEXT_MAX ? `${v.slice(0, VALUE_TEXT_MAX)}…` : v);

/** Each field's last value by name (a repeated name counts as JSON.parse counts it: the last one). */
function fieldsOf(o: JsonObject): Map<string, ExactJson> {
  const m = new Map<string, ExactJson>();
  for (const [k, v] of o.members) m.set(k, v);
  return m;
}

/** The fields whose values differ between the expected document and the cluster's `_source`, in the expected order then the extra fields. */
export function documentDifferences(expected: JsonObject, actual: ExactJson): ColumnDifference[] {
  if (!isObject(actual)) return [{ name: '_source', source: cut(canonicalJson(expected)), sink: cut(actual === null ? null : canonicalJson(actual)) }];
  const want = fieldsOf(expected);
  const have = fieldsOf(actual);
  const out: ColumnDifference[] = [];
  for (const [name, e] of want) {
    const a = have.get(name);
    if (a === undefined) out.push({ name, source: cut(displayJson(e)), sink: NO_FIELD });
    else if (canonicalJson(a) !== canonicalJson(e)) out.push({ name, source: cut(displayJson(e)), sink: cut(displayJson(a)) });
  }
  for (const [name, a] of have) if (!want.has(name)) out.push({ name, source: NO_FIELD, sink: cut(displayJson(a)) });
  return out;
}

/** A document's fields as a report lists them (column → text, long values cut). */
export function documentValues(doc: ExactJson): Record<string, string | null> {
  if (!isObject(doc)) return { _source: cut(doc === null ? null : canonicalJson(doc)) };
  return Object.fromEntries([...fieldsOf(doc)].map(([k, v]) => [k, cut(displayJson(v))]));
}
