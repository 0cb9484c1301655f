// JSON compared as values, in Node: neither server can print a JSON document in one form the other
// prints too (jsonb orders object keys by length, drops duplicate keys keeping the last, and prints
// numbers as numeric: 1e400 in full, 2.50 as 2.50; MariaDB keeps the text as written). So the verifier
// reads both texts and compares their canonical forms: object keys sorted (a duplicate key: the last
// one, as jsonb keeps it), strings with their escapes decoded, numbers as exact decimals —
// "<sign><significant digits>e<exponent>", never through a double, so 18446744073709551615 and
// 12345678901234567890.123456789 keep every digit and 2.50 equals 2.5 (jsonb's numeric equality).

/** A decimal number's exact canonical text: "0", or sign, significant digits (no trailing zeros), 'e', exponent. */
export function canonicalNumber(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) throw new Error(`not a JSON number: ${text}`);
  const [, sign, int, frac = '', exp = '0'] = m;
  const all = int! + frac;
  const lead = all.length - all.replace(/^0+/, '').length;
  const digits = all.replace(/^0+/, '').replace(/0+$/, '');
  if (!digits) return '0';
  const e = BigInt(exp) + BigInt(int!.length - 1 - lead);
  return `${sign}${digits}e${e}`;
}

class Parser {
  i = 0;
  constructor(private readonly s: string) {}

  private ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i]!)) this.i++;
  }

  private fail(): never {
    throw new Error(`invalid JSON at offset ${this.i}`);
  }

  private string(): string {
    const start = this.i;
    for (this.i++; this.i < this.s.length; this.i++) {
      const ch = this.s[this.i];
      if (ch === '\\') this.i++;
      else if (ch === '"') {
        this.i++;
        return JSON.stringify(JSON.parse(this.s.slice(start, this.i)) as string);
      }
    }
    return this.fail();
  }

  value(): string {
    this.ws();
    const ch = this.s[this.i];
    if (ch === '"') return this.string();
    if (ch === '{') {
      this.i++;
      const members = new Map<string, string>();
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return '{}';
      }
      for (;;) {
        this.ws();
        if (this.s[this.i] !== '"') this.fail();
        const key = this.string();
        this.ws();
        if (this.s[this.i++] !== ':') this.fail();
        members.delete(key);
        members.set(key, this.value());
        this.ws();
        const next = this.s[this.i++];
        if (next === '}') break;
        if (next !== ',') this.fail();
      }
      const keys = [...members.keys()].sort();
      return '{' + keys.map((k) => `${k}:${members.get(k)!}`).join(',') + '}';
    }
    if (ch === '[') {
      this.i++;
      const items: string[] = [];
      this.ws();
      if (this.s[this.i] === ']') {
        this.i++;
        return '[]';
      }
      for (;;) {
        items.push(this.value());
        this.ws();
        const next = this.s[this.i++];
        if (next === ']') break;
        if (next !== ',') this.fail();
      }
      return '[' + items.join(',') + ']';
    }
    const lit = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(this.s.slice(this.i, this.i + 2000));
    if (!lit) return this.fail();
    this.i += lit[0].length;
    return /^[-\d]/.test(lit[0]) ? canonicalNumber(lit[0]) : lit[0];
  }

  end(): void {
    this.ws();
    if (this.i !== this.s.length) this.fail();
  }
}

/** The canonical form of a JSON text (see the header); text that is not JSON stays itself, marked. */
export function canonicalJson(text: string): string {
  try {
    const p = new Parser(text);
    const v = p.value();
    p.end();
    return v;
  } catch {
    return `invalid:${text}`;
  }
}
