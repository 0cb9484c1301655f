// Raw slices of JSON text: the exact text of a member (e.g. a Debezium message's "after"), without
// parsing it into JavaScript values. Messages carry numbers JSON.parse would round (BIGINT UNSIGNED,
// DECIMAL(65,30)); comparing the text the format wrote keeps every digit. Assumes well-formed JSON (the
// messages come from Cutover's own formats or are rejected by JSON.parse first).

function skipWs(s: string, i: number): number {
  while (i < s.length && (s[i] === ' ' || s[i] === '\n' || s[i] === '\r' || s[i] === '\t')) i++;
  return i;
}

/** The index just past the string literal starting at i (s[i] === '"'). */
function skipString(s: string, i: number): number {
  for (i++; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i + 1;
  }
  throw new Error('unterminated string in JSON');
}

/** The index just past the value starting at i. */
function skipValue(s: string, i: number): number {
  const c = s[i];
  if (c === '"') return skipString(s, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (; i < s.length; i++) {
      const d = s[i];
      if (d === '"') i = skipString(s, i) - 1;
      else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    throw new Error('unterminated object or array in JSON');
  }
  while (i < s.length && !',}] \n\r\t'.includes(s[i]!)) i++;
  return i;
}

/** The members of the object at i, as [name, start, end] of each value; calls back per member until it returns true. */
function eachMember(s: string, i: number, visit: (name: string, start: number, end: number) => boolean): void {
  i = skipWs(s, i);
  if (s[i] !== '{') return;
  i = skipWs(s, i + 1);
  while (i < s.length && s[i] !== '}') {
    const nameEnd = skipString(s, i);
    const name = JSON.parse(s.slice(i, nameEnd)) as string;
    i = skipWs(s, nameEnd);
    i = skipWs(s, i + 1); // the colon
    const end = skipValue(s, i);
    if (visit(name, i, end)) return;
    i = skipWs(s, end);
    if (s[i] === ',') i = skipWs(s, i + 1);
  }
}

/** The raw text at a path of member names and array indexes; undefined when absent. */
export function rawAt(json: string, path: readonly (string | number)[]): string | undefined {
  let start = skipWs(json, 0);
  let end = skipValue(json, start);
  for (const step of path) {
    let found = false;
    if (typeof step === 'number') {
      if (json[start] !== '[') return undefined;
      let i = skipWs(json, start + 1);
      for (let k = 0; i < end && json[i] !== ']'; k++) {
        const e = skipValue(json, i);
        if (k === step) {
          [start, end, found] = [i, e, true];
          break;
        }
        i = skipWs(json, e);
        if (json[i] === ',') i = skipWs(json, i + 1);
      }
    } else {
      eachMember(json, start, (name, s, e) => {
        if (name !== step) return false;
        [start, end, found] = [s, e, true];
        return true;
      });
    }
    if (!found) return undefined;
  }
  return json.slice(start, end);
}

/** The members of a JSON object as [name, raw value text]. */
export function rawMembers(json: string): [string, string][] {
  const out: [string, string][] = [];
  eachMember(json, 0, (name, s, e) => {
    out.push([name, json.slice(s, e)]);
    return false;
  });
  return out;
}
