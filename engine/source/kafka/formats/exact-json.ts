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

export function parseExactJson(text: string): JsonValue {
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
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 92) {
        escaped = true;
        i++;
      } else if (c === 34) {
        const body = text.slice(start, i++);
        if (!escaped) {
          if (/[\u0000-\u001f]/.test(body)) fail('a control character in a string');
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
      else
        for (;;) {
          ws();
          if (text[i] !== '"') fail('a member name expected');
          const k = str();
          ws();
          if (text[i++] !== ':') fail('":" expected');
          o[k] = value();
          ws();
          const d = text[i++];
          if (d === '}') break;
          if (d !== ',') fail('"," or "}" expected');
        }
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
  const v = value();
  ws();
  if (i !== n) fail('text after the JSON value');
  return v;
}
