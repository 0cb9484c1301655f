// JSON read without losing anything a document's `_source` holds: numbers keep their token text (a
// JSON big integer such as 18446744073709551615 or a DOUBLE's digits stay as written, where JSON.parse
// would round them), strings are decoded, objects keep their members in order. Used by verification to
// compare a document with the source row rendered by the document rules (fields.ts), value by value.
//
// The canonical text of a value (canonicalJson) is what two values are compared by: every number's
// digits as written (1.0 and 1 differ, as the source's texts do), strings by their characters (escape
// forms and whitespace do not matter), object members sorted by name (their order does not matter).

export type ExactJson = null | boolean | string | JsonNumber | ExactJson[] | JsonObject;

/** A number token as written. */
export interface JsonNumber {
  num: string;
}

/** An object's members in their order (names may repeat: kept as written). */
export interface JsonObject {
  members: [string, ExactJson][];
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/y;
const WS = /[ \t\n\r]*/y;

export class ExactJsonError extends Error {}

/** Parses JSON text; throws ExactJsonError naming the position on invalid text. */
export function parseExactJson(text: string): ExactJson {
  let i = 0;
  const fail = (what: string): never => {
    throw new ExactJsonError(`${what} at position ${i} of ${JSON.stringify(text.slice(Math.max(0, i - 20), i + 20))}`);
  };
  const ws = (): void => {
    WS.lastIndex = i;
    WS.exec(text);
    i = WS.lastIndex;
  };
  const str = (): string => {
    // From the opening quote to the closing one (a backslash escapes the next character); JSON.parse decodes it.
    const start = i++;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) fail('unterminated string');
      if (c === 0x22) break;
      i += c === 0x5c ? 2 : 1;
    }
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('invalid string');
    }
  };
  const value = (): ExactJson => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const members: [string, ExactJson][] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { members };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a member name');
        const name = str();
        ws();
        if (text[i++] !== ':') fail('expected ":"');
        members.push([name, value()]);
        ws();
        const d = text[i++];
        if (d === '}') return { members };
        if (d !== ',') fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const items: ExactJson[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return items;
      }
      for (;;) {
        items.push(value());
        ws();
        const d = text[i++];
        if (d === ']') return items;
        if (d !== ',') fail('expected "," or "]"');
      }
    }
    if (c === '"') return str();
    if (text.startsWith('true', i)) return (i += 4), true;
    if (text.startsWith('false', i)) return (i += 5), false;
    if (text.startsWith('null', i)) return (i += 4), null;
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail('unexpected character');
    i = NUMBER.lastIndex;
    return { num: m[0] };
  };
  const v = value();
  ws();
  if (i !== text.length) fail('text after the value');
  return v;
}

export function isNumber(v: ExactJson): v is JsonNumber {
  return v !== null && typeof v === 'object' && 'num' in v;
}

export function isObject(v: ExactJson): v is JsonObject {
  return v !== null && typeof v === 'object' && 'members' in v;
}

/** The value's canonical text: numbers as written, members sorted by name, no whitespace. */
export function canonicalJson(v: ExactJson): string {
  if (v === null || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isNumber(v)) return v.num;
  const sorted = v.members.map(([k, x]) => [JSON.stringify(k), canonicalJson(x)] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return `{${sorted.map(([k, x]) => `${k}:${x}`).join(',')}}`;
}

/** The value as a report shows it: a string's characters, a number's token, anything else its canonical text; null for null. */
export function displayJson(v: ExactJson): string | null {
  if (v === null) return null;
  if (typeof v === 'string') return v;
  if (isNumber(v)) return v.num;
  return canonicalJson(v);
}

/** A member of an object by name (the last one when it repeats, as JSON.parse does); undefined when absent. */
export function memberOf(o: JsonObject, name: string): ExactJson | undefined {
  let found: ExactJson | undefined;
  for (const [k, v] of o.members) if (k === name) found = v;
  return found;
}
