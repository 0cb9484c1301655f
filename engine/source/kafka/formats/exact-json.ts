// A JSON parser that keeps every number's text: messages carry BIGINT UNSIGNED, DECIMAL(65,30) and JSON
// documents with big integers, which JSON.parse would round. Numbers come back as JsonNumber (their
// literal text); objects and arrays remember their own source text (rawText), so an embedded JSON
// document (Maxwell's JSON columns) is written back with the very characters the producer sent.
// Objects inherit nothing (a member named "__proto__" or "toString" is an ordinary member).

export class JsonNumber {
  constructor(readonly raw: string) {}
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;
export interface JsonObject {
  [name: string]: JsonValue;
}

const RAW = Symbol('raw');

/**
 * The parser's objects: their prototype is an empty object without a prototype, so they inherit nothing
 * (a member named "__proto__" is an ordinary member, `o['toString']` is undefined) as with
 * Object.create(null), but V8 keeps them in fast mode (hidden classes shared by objects of the same members)
 * instead of a hash table per object: about 30 % less CPU to parse a Debezium payload.
 */
const JsonObjectBase = function JsonObject(this: object) {} as unknown as new () => JsonObject;
JsonObjectBase.prototype = Object.create(null) as object;

/** The exact source text of a parsed object or array. */
export function rawText(v: JsonValue): string | null {
  return v !== null && typeof v === 'object' && !(v instanceof JsonNumber) ? ((v as { [RAW]?: string })[RAW] ?? null) : null;
}

/**
 * Sets a value's raw text. An object's by a plain store (a symbol key: not in Object.keys or for…in; a
 * defineProperty per object costs more); an array's not enumerable, so a parsed array handed on as it is
 * (Canal's pkNames) equals a plain one.
 */
const withRaw = <T extends object>(v: T, raw: string): T => {
  if (Array.isArray(v)) return Object.defineProperty(v, RAW, { value: raw });
  (v as { [RAW]?: string })[RAW] = raw;
  return v;
};

export const isObject = (v: JsonValue | undefined): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof JsonNumber);

export class JsonSyntaxError extends Error {}

const digit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * Where the longest JSON number at `i` ends (-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?, a fraction or exponent
 * only when complete); -1 when none starts there. A scan, not a RegExp: no match array per number.
 */
function numberEnd(text: string, i: number): number {
  let j = i;
  if (text.charCodeAt(j) === 45) j++;
  const c = text.charCodeAt(j);
  if (c === 48) j++;
  else if (c >= 49 && c <= 57) {
    j++;
    while (digit(text.charCodeAt(j))) j++;
  } else return -1;
  if (text.charCodeAt(j) === 46 && digit(text.charCodeAt(j + 1))) {
    j += 2;
    while (digit(text.charCodeAt(j))) j++;
  }
  const e = text.charCodeAt(j);
  if (e === 101 || e === 69) {
    let k = j + 1;
    const sign = text.charCodeAt(k);
    if (sign === 43 || sign === 45) k++;
    if (digit(text.charCodeAt(k))) {
      k++;
      while (digit(text.charCodeAt(k))) k++;
      j = k;
    }
  }
  return j;
}

/** A kept first member: its text up to the end of its value (e.g. `{"schema":{…}`), its name and its frozen value. */
interface Lead {
  head: string;
  /** The head's UTF-8 bytes (made on first use): a message whose bytes start with them is decoded to text after them only. */
  headBytes: Buffer | null;
  name: string;
  value: JsonValue;
}

/**
 * The first members of the last objects parsed with it, kept for the next text that starts with the very same
 * characters: Debezium's schema envelope repeats a schema of kilobytes before every payload of a table, and
 * parsing it once per table instead of once per message is most of the decoding work. The values are frozen
 * (shared by every message that reuses them). Holds the `capacity` most recently used members (the tables of
 * partitions decoded in turn), the least recently used one making room for a new one.
 */
export class LeadMember {
  /** Most recently used first. */
  private readonly kept: Lead[] = [];
  /**
   * Members shorter than `minLength` are parsed each time (a startsWith of them saves nothing). `prune`: every
   * text parsed with this instance is pruned so (its kept values too, so a reused value is what a parse of
   * the text would give).
   */
  constructor(
    readonly minLength = 256,
    readonly capacity = 8,
    readonly prune: Prune | null = null,
  ) {}

  /** The kept member the text starts with, moved to the front; null when none. */
  matchText(text: string): Lead | null {
    for (let j = 0; j < this.kept.length; j++) if (text.startsWith(this.kept[j]!.head)) return this.use(j);
    return null;
  }

  /** The kept member whose bytes the message's bytes start with (a native compare), moved to the front; null when none. */
  matchBytes(bytes: Buffer): Lead | null {
    for (let j = 0; j < this.kept.length; j++) {
      const l = this.kept[j]!;
      const hb = (l.headBytes ??= Buffer.from(l.head, 'utf8'));
      if (bytes.length >= hb.length && bytes.compare(hb, 0, hb.length, 0, hb.length) === 0) return this.use(j);
    }
    return null;
  }

  keep(head: string, name: string, value: JsonValue): void {
    this.kept.unshift({ head, headBytes: null, name, value });
    if (this.kept.length > this.capacity) this.kept.pop();
  }

  private use(j: number): Lead {
    const l = this.kept[j]!;
    if (j > 0) {
      this.kept.splice(j, 1);
      this.kept.unshift(l);
    }
    return l;
  }
}

/** Member names seen lately, by a hash of their characters (exact-json's parse, `name`); a power of 2. */
const NAMES: (string | undefined)[] = new Array<string | undefined>(512).fill(undefined);

/** A node of a Prune: the members to follow (a Map) or, at a pruned object, the members it keeps (a Set). */
type PruneNode = ReadonlyMap<string, PruneNode> | ReadonlySet<string>;

/**
 * The objects at some member paths from the top object keep only some of their members; the others are still
 * read (a syntax error in them is one) but build nothing. A decoder that reads 6 of the 17 members of
 * Debezium's "source" block lets the parser skip the values and property stores of the other 11.
 */
export class Prune {
  readonly root: PruneNode;
  constructor(paths: readonly (readonly string[])[], keep: readonly string[]) {
    const root = new Map<string, PruneNode>();
    for (const path of paths) {
      let node = root;
      path.forEach((name, j) => {
        if (j === path.length - 1) node.set(name, new Set(keep));
        else {
          let next = node.get(name);
          if (!(next instanceof Map)) node.set(name, (next = new Map<string, PruneNode>()));
          node = next as Map<string, PruneNode>;
        }
      });
    }
    this.root = root;
  }
}

function deepFreeze(v: JsonValue): void {
  if (v === null || typeof v !== 'object' || v instanceof JsonNumber) return;
  Object.freeze(v);
  for (const x of Array.isArray(v) ? v : Object.values(v)) deepFreeze(x);
}

/** Parses `text`; with `lead`, an object whose first member's text is one `lead` keeps reuses its value. */
export function parseExactJson(text: string, lead?: LeadMember): JsonValue {
  const l = lead?.matchText(text);
  return l ? parse(text, lead, l, l.head.length, '') : parse(text, lead, null, -1, '');
}

/**
 * Parses a message's UTF-8 bytes, as parseExactJson(bytes.toString('utf8'), lead) does: when the bytes start
 * with a kept member's bytes (a native compare), only the bytes after it are decoded to text and parsed.
 * The kept member's text ends with "}" or "]", so the bytes after it start on a character boundary.
 */
export function parseExactJsonBytes(bytes: Buffer, lead: LeadMember): JsonValue {
  const l = lead.matchBytes(bytes);
  return l ? parse(bytes.toString('utf8', l.headBytes!.length), lead, l, 0, l.head) : parse(bytes.toString('utf8'), lead, null, -1, '');
}

/**
 * The parser. `reuse`: the kept member the text's top object starts with, whose text is `prefix` + text[0,
 * resume) (`prefix`: the part of it not in `text`); parsing goes on after it. null: from the start.
 */
function parse(text: string, lead: LeadMember | undefined, reuse: Lead | null, resume: number, prefix: string): JsonValue {
  let i = 0;
  const n = text.length;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at character ${prefix.length + i} (near ${JSON.stringify((prefix + text.slice(0, i + 20)).slice(Math.max(0, prefix.length + i - 20)))})`);
  };
  const ws = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else return;
    }
  };
  /** A string from `i` (its opening quote); `keep` false: checked and passed over, '' returned. */
  const str = (keep = true): string => {
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
        if (!escaped) {
          i++;
          if (control) fail('a control character in a string');
          return keep ? text.slice(start, i - 1) : '';
        }
        const body = text.slice(start, i++);
        try {
          const v = JSON.parse('"' + body + '"') as string;
          return keep ? v : '';
        } catch {
          return fail('a malformed string escape');
        }
      }
    }
    return fail('an unterminated string');
  };
  /** A value from `i`; `node`: where it is in the lead's Prune (undefined: outside every pruned path). */
  const value = (node?: PruneNode): JsonValue => {
    ws();
    const c = text.charCodeAt(i);
    if (c === 34) return str();
    if (c === 123) {
      const start = i++;
      const o = new JsonObjectBase();
      ws();
      if (text.charCodeAt(i) === 125) i++;
      else members(o, start, node);
      return withRaw(o, text.slice(start, i));
    }
    if (c === 91) {
      const start = i++;
      const a: JsonValue[] = [];
      ws();
      if (text.charCodeAt(i) === 93) i++;
      else
        for (;;) {
          a.push(value());
          ws();
          const d = text.charCodeAt(i++);
          if (d === 93) break;
          if (d !== 44) fail('"," or "]" expected');
        }
      return withRaw(a, text.slice(start, i));
    }
    if (c === 116 && text.startsWith('true', i)) return (i += 4), true;
    if (c === 102 && text.startsWith('false', i)) return (i += 5), false;
    if (c === 110 && text.startsWith('null', i)) return (i += 4), null;
    const end = numberEnd(text, i);
    if (end < 0) return fail('a value expected');
    const raw = text.slice(i, end);
    i = end;
    return new JsonNumber(raw);
  };
  /**
   * A member name from `i` (its opening quote): one without escapes that an earlier text had at the same slot
   * of NAMES is that string again (compared in place), so a message's names are not sliced and hashed anew
   * each time they become property keys.
   */
  const name = (): string => {
    const start = i + 1;
    let h = 0;
    for (let j = start; j < n; j++) {
      const c = text.charCodeAt(j);
      if (c === 34) {
        const slot = (h ^ (j - start)) & (NAMES.length - 1);
        const known = NAMES[slot];
        i = j + 1;
        if (known !== undefined && known.length === j - start && text.startsWith(known, start)) return known;
        return (NAMES[slot] = text.slice(start, j));
      }
      if (c === 92 || c < 32) break;
      h = (Math.imul(h, 31) + c) | 0;
    }
    return str();
  };
  /** A value from `i` read as value() reads it (the same syntax errors), building nothing. */
  const skip = (): void => {
    ws();
    const c = text.charCodeAt(i);
    if (c === 34) return void str(false);
    if (c === 123 || c === 91) {
      const close = c === 123 ? 125 : 93;
      i++;
      ws();
      if (text.charCodeAt(i) === close) return void i++;
      for (;;) {
        if (c === 123) {
          ws();
          if (text.charCodeAt(i) !== 34) fail('a member name expected');
          str(false);
          ws();
          if (text.charCodeAt(i++) !== 58) fail('":" expected');
        }
        skip();
        ws();
        const d = text.charCodeAt(i++);
        if (d === close) return;
        if (d !== 44) fail(c === 123 ? '"," or "}" expected' : '"," or "]" expected');
      }
    }
    if (c === 116 && text.startsWith('true', i)) return void (i += 4);
    if (c === 102 && text.startsWith('false', i)) return void (i += 5);
    if (c === 110 && text.startsWith('null', i)) return void (i += 4);
    const end = numberEnd(text, i);
    if (end < 0) fail('a value expected');
    i = end;
  };
  /**
   * An object's members from `i` (its first member's name) to its closing brace; the top object's first member
   * may be kept in `lead`. `node`: the object's place in the Prune; a Set: only its members are built.
   */
  const members = (o: JsonObject, start: number, node: PruneNode | undefined): void => {
    const pruned = node instanceof Set ? (node as ReadonlySet<string>) : null;
    const paths = pruned ? undefined : (node as ReadonlyMap<string, PruneNode> | undefined);
    for (let first = true; ; first = false) {
      ws();
      if (text.charCodeAt(i) !== 34) fail('a member name expected');
      const k = name();
      ws();
      if (text.charCodeAt(i++) !== 58) fail('":" expected');
      const valueAt = i;
      if (pruned && !pruned.has(k)) skip();
      else o[k] = value(paths?.get(k));
      if (first && start === 0 && lead && i - valueAt >= lead.minLength && Object.hasOwn(o, k)) {
        const v = o[k]!;
        if (v !== null && typeof v === 'object' && !(v instanceof JsonNumber)) {
          deepFreeze(v);
          lead.keep(text.slice(0, i), k, v);
        }
      }
      ws();
      const d = text.charCodeAt(i++);
      if (d === 125) break;
      if (d !== 44) fail('"," or "}" expected');
    }
  };
  let v: JsonValue;
  if (reuse) {
    // A first member seen before (its text ends with its value: "}" or "]"): the others are parsed.
    const o = new JsonObjectBase();
    o[reuse.name] = reuse.value;
    i = resume;
    ws();
    const d = text.charCodeAt(i++);
    if (d === 44) members(o, -1, lead?.prune?.root);
    else if (d !== 125) fail('"," or "}" expected');
    v = withRaw(o, prefix + text.slice(0, i));
  } else v = value(lead?.prune?.root);
  ws();
  if (i !== n) fail('text after the JSON value');
  return v;
}
