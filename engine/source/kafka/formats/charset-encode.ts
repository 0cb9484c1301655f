// Text → bytes of a MySQL character set other than the UTF-8 and latin1 families, as the exact inverse of
// the WHATWG decoders (TextDecoder) the Kafka sink's formats decode those character sets with: each
// set's table is built once, on first use, by decoding every byte and every two-byte sequence. No
// dependency; a character the set cannot hold is an error, never a '?'.

const SINGLE: Record<string, string> = {
  latin2: 'iso-8859-2', greek: 'iso-8859-7', hebrew: 'iso-8859-8', latin5: 'windows-1254', latin7: 'iso-8859-13',
  cp1250: 'windows-1250', cp1251: 'windows-1251', cp1256: 'windows-1256', cp1257: 'windows-1257', cp866: 'ibm866',
  koi8r: 'koi8-r', koi8u: 'koi8-u', macroman: 'macintosh', tis620: 'windows-874',
};

/** WHATWG label and the lead / trail byte ranges of two-byte sequences. */
const DOUBLE: Record<string, [string, number, number, number, number]> = {
  gbk: ['gbk', 0x81, 0xfe, 0x40, 0xfe],
  gb2312: ['gbk', 0x81, 0xfe, 0x40, 0xfe],
  big5: ['big5', 0x81, 0xfe, 0x40, 0xfe],
  sjis: ['shift_jis', 0x81, 0xfc, 0x40, 0xfc],
  cp932: ['shift_jis', 0x81, 0xfc, 0x40, 0xfc],
  euckr: ['euc-kr', 0x81, 0xfe, 0x41, 0xfe],
  ujis: ['euc-jp', 0x8e, 0xfe, 0xa1, 0xfe],
  eucjpms: ['euc-jp', 0x8e, 0xfe, 0xa1, 0xfe],
};

const tables = new Map<string, Map<string, string>>();

function tableFor(charset: string): Map<string, string> | null {
  let t = tables.get(charset);
  if (t) return t;
  const single = SINGLE[charset];
  const double = DOUBLE[charset];
  if (!single && !double) return null;
  t = new Map();
  const d = new TextDecoder(single ?? double![0]);
  if (double) {
    const [, l0, l1, t0, t1] = double;
    const pair = new Uint8Array(2);
    for (let a = l0; a <= l1; a++)
      for (let b = t0; b <= t1; b++) {
        pair[0] = a;
        pair[1] = b;
        const ch = d.decode(pair);
        if (ch.length && !ch.includes('\ufffd') && [...ch].length === 1 && !t.has(ch)) t.set(ch, String.fromCharCode(a, b));
      }
  }
  const one = new Uint8Array(1);
  for (let a = 0x80; a <= 0xff; a++) {
    one[0] = a;
    const ch = d.decode(one);
    if (ch.length && !ch.includes('\ufffd') && !t.has(ch)) t.set(ch, String.fromCharCode(a));
  }
  tables.set(charset, t);
  return t;
}

/** Whether this module encodes the character set. */
export const encodesCharset = (charset: string): boolean => Object.hasOwn(SINGLE, charset) || Object.hasOwn(DOUBLE, charset);

/** The bytes (as a byte string) of text in the character set; null at the first character it cannot hold (its index in `bad`). */
export function encodeCharset(s: string, charset: string): { bytes: string } | { bad: string } {
  const t = tableFor(charset);
  if (!t) return { bad: '' };
  let out = '';
  for (const ch of s) {
    if (ch.charCodeAt(0) < 0x80) out += ch;
    else {
      const b = t.get(ch);
      if (b === undefined) return { bad: ch };
      out += b;
    }
  }
  return { bytes: out };
}
