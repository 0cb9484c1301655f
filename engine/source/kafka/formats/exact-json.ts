// A JSON parser that keeps every number's text: messages carry BIGINT UNSIGNED, DECIMAL(65,30) and JSON
// documents with big integers, which JSON.parse would round. Numbers come back as JsonNumber (their
// literal text); objects and arrays remember their own source text (rawText), so an embedded JSON
// document (Maxwell's JSON columns) is written back with the very characters the producer sent.
// Objects have no prototype (a member named "__proto__" is an ordinary member).

export class JsonNumber {
  constructor(readonly raw: string) {}
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;
export interface JsonObject {
  [name: string]: JsonValue;
}

const RAW = Symbol('raw');

/** The exact source text of a parsed object or array. */
export function rawText(v: JsonValue): string | null {
  return v !== null && typeof v === 'object' && !(v instanceof JsonNumber) ? ((v as { [RAW]?: string })[RAW] ?? null) : null;
}

export const isObject = (v: JsonValue | undefined): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonNumber);

export class JsonSyntaxError extends Error {}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * The first member of the last object parsed with it, kept for the next text that starts with the very same
 * characters: Debezium's schema envelope repeats a schema of kilobytes before every payload of a table, and
 * parsing it once per table instead of once per message is most of the decoding work. The value is frozen
 * (shared by every message that reuses it). Holds one member: a text with another first member replaces it.
 */
export class LeadMember {
  /** The text up to the end of the member's value, e.g. `{"schema":{…}`; null: nothing kept. */
  head: string | null = null;
  name = '';
  value: JsonValue = null;
  /** Members shorter than this are parsed each time (a startsWith of them saves nothing). */
  constructor(readonly minLength = 256) {}
}

function deepFreeze(v: JsonValue): void {
  if (v === null || typeof v !== 'object' || v instanceof JsonNumber) return;
  Object.freeze(v);
  for (const x of Array.isArray(v) ? v : Object.values(v)) deepFreeze(x);
}

/** Parses `text`; with `lead`, an object whose first member's text is the one `lead` keeps reuses its value. */
export function parseExactJson(text: string, lead?: LeadMember): JsonValue {
  let i = 0;
  const n = text.length;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at character ${i} (near ${JSON.stringify(text.slice(Math.max(0, i - 20), i + 20))})`);
  };
  const ws = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else return;
    }
  };
  const str = (): string => {
    const start = ++i;
    let escaped = false;
    let control = false;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 92) {
        escaped = true;
        i++;
      } else if (c < 32) control = true;
      else if (c === 34) {
        const body = text.slice(start, i++);
        if (!escaped) {
          if (control) fail('a control character in a string');
          return body;
        }
        try {
          return JSON.parse('"' + body + '"') as string;
        } catch {
          return fail('a malformed string escape');
        }
      }
    }
    return fail('an unterminated string');
  };
  const value = (): JsonValue => {
    ws();
    const c = text[i];
    if (c === '"') return str();
    if (c === '{') {
      const start = i++;
      const o = Object.create(null) as JsonObject;
      ws();
      if (text[i] === '}') i++;
      else members(o, start);
      Object.defineProperty(o, RAW, { value: text.slice(start, i) });
      return o;
    }
    if (c === '[') {
      const start = i++;
      const a: JsonValue[] = [];
      ws();
      if (text[i] === ']') i++;
      else
        for (;;) {
          a.push(value());
          ws();
          const d = text[i++];
          if (d === ']') break;
          if (d !== ',') fail('"," or "]" expected');
        }
      Object.defineProperty(a, RAW, { value: text.slice(start, i) });
      return a;
    }
    if (text.startsWith('true', i)) return (i += 4), true;
    if (text.startsWith('false', i)) return (i += 5), false;
    if (text.startsWith('null', i)) return (i += 4), null;
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail('a value expected');
    i += m[0].length;
    return new JsonNumber(m[0]);
  };
  /** An object's members from `i` (its first member's name) to its closing brace; the top object's first member may be kept in `lead`. */
  const members = (o: JsonObject, start: number): void => {
    for (let first = true; ; first = false) {
      ws();
      if (text[i] !== '"') fail('a member name expected');
      const k = str();
      ws();
      if (text[i++] !== ':') fail('":" expected');
      const valueAt = i;
      o[k] = value();
      if (first && start === 0 && lead && i - valueAt >= lead.minLength) {
        const v = o[k]!;
        if (v !== null && typeof v === 'object' && !(v instanceof JsonNumber)) {
          deepFreeze(v);
          lead.head = text.slice(0, i);
          lead.name = k;
          lead.value = v;
        }
      }
      ws();
      const d = text[i++];
      if (d === '}') break;
      if (d !== ',') fail('"," or "}" expected');
    }
  };
  let v: JsonValue;
  if (lead?.head && text.startsWith(lead.head)) {
    // The same first member as before (its text ends with its value: "}" or "]"): the others are parsed.
    const o = Object.create(null) as JsonObject;
    o[lead.name] = lead.value;
    i = lead.head.length;
    ws();
    const d = text[i++];
    if (d === ',') members(o, -1);
    else if (d !== '}') fail('"," or "}" expected');
    Object.defineProperty(o, RAW, { value: text.slice(0, i) });
    v = o;
  } else v = value();
  ws();
  if (i !== n) fail('text after the JSON value');
  return v;
}
