// Text columns' bytes as characters, by the column's character set, refusing bytes that are not valid in
// it (a value is never silently changed), keeping a leading BOM. Used by every sink that writes text
// (the Kafka formats, the search documents). MySQL's latin1 is cp1252 with the five bytes cp1252 leaves
// undefined mapped to the C1 controls of the same number (strings/ctype-latin1.cc), which is also WHATWG's
// windows-1252 table; it is decoded here without the runtime's ICU (a small-ICU Node, and Node 20's
// TextDecoder('windows-1252'), decode 0x80–0x9F as ISO-8859-1).

/** MySQL character set → WHATWG encoding label (TextDecoder); latin1, ascii and cp1252 are decodeCp1252's. */
const ENCODINGS: Record<string, string> = {
  utf8mb4: 'utf-8',
  utf8mb3: 'utf-8',
  utf8: 'utf-8',
  gbk: 'gbk',
  gb2312: 'gbk',
  gb18030: 'gb18030',
  big5: 'big5',
  sjis: 'shift_jis',
  cp932: 'shift_jis',
  ujis: 'euc-jp',
  eucjpms: 'euc-jp',
  euckr: 'euc-kr',
  latin2: 'iso-8859-2',
  greek: 'iso-8859-7',
  hebrew: 'iso-8859-8',
  latin5: 'windows-1254',
  latin7: 'iso-8859-13',
  cp1250: 'windows-1250',
  cp1251: 'windows-1251',
  cp1256: 'windows-1256',
  cp1257: 'windows-1257',
  cp866: 'ibm866',
  koi8r: 'koi8-r',
  koi8u: 'koi8-u',
  macroman: 'macintosh',
  tis620: 'windows-874',
  ucs2: 'utf-16be',
  utf16: 'utf-16be',
  utf16le: 'utf-16le',
};

const decoders = new Map<string, TextDecoder>();
const ASCII = /^[\x00-\x7f]*$/;

/**
 * MySQL's sjis maps seven JIS X 0208 codes to other characters than WHATWG's Shift_JIS (which is cp932's
 * table): 0x815F is U+005C there, U+FF3C here, and so on. Checked against MariaDB's CONVERT(... USING utf8mb4).
 */
const SJIS_FIXES: Record<string, string> = { '\uff3c': '\u005c', '\uff5e': '\u301c', '\u2225': '\u2016', '\uff0d': '\u2212', '\uffe0': '\u00a2', '\uffe1': '\u00a3', '\uffe2': '\u00ac' };

/**
 * Whether decodeText returns ASCII bytes as they are in this character set (every one but the UTF-16/32
 * families and the ones without a decoder): a writer may then copy an ASCII value's bytes without decoding it.
 */
export function asciiAsIs(charset: string | null): boolean {
  const cs = charset ?? 'utf8mb4';
  if (cs === 'latin1' || cs === 'ascii' || cs === 'cp1252') return true;
  const label = ENCODINGS[cs];
  return label !== undefined && label !== 'utf-16be' && label !== 'utf-16le';
}

/** A byte string (engine/core/rows.ts) decoded with the column's character set (utf8mb4 when none); throws naming `what` on invalid bytes. */
export function decodeText(raw: string, charset: string | null, what: string): string {
  const cs = charset ?? 'utf8mb4';
  if (cs === 'latin1' || cs === 'ascii' || cs === 'cp1252') return decodeCp1252(raw);
  if (cs === 'utf32') return decodeUtf32(raw, what);
  const label = ENCODINGS[cs];
  if (!label) throw new Error(`${what}: no decoder for character set ${cs}; the value cannot be written as text without changing it`);
  // ASCII bytes decode to themselves in every ASCII-compatible character set (not in UTF-16).
  if (label !== 'utf-16be' && label !== 'utf-16le' && ASCII.test(raw)) return raw;
  let d = decoders.get(label);
  if (!d) decoders.set(label, (d = new TextDecoder(label, { fatal: true, ignoreBOM: true })));
  let text: string;
  try {
    text = d.decode(Buffer.from(raw, 'latin1'));
  } catch {
    throw new Error(`${what}: the value is not valid ${cs} text (bytes ${Buffer.from(raw, 'latin1').toString('hex').slice(0, 64)})`);
  }
  return cs === 'sjis' ? text.replace(/[\uff3c\uff5e\u2225\uff0d\uffe0\uffe1\uffe2]/g, (ch) => SJIS_FIXES[ch]!) : text;
}

/** cp1252's 0x80–0x9F (the five undefined bytes as the C1 controls of the same number); other bytes are latin1. */
const CP1252_80_9F = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

/** MySQL's latin1 (cp1252) bytes as text. */
export function decodeCp1252(raw: string): string {
  if (!/[\x80-\x9f]/.test(raw)) return raw; // a byte string is already latin1; only 0x80-0x9F differ
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    out += c >= 0x80 && c <= 0x9f ? String.fromCharCode(CP1252_80_9F[c - 0x80]!) : raw[i];
  }
  return out;
}

function decodeUtf32(raw: string, what: string): string {
  if (raw.length % 4) throw new Error(`${what}: a utf32 value of ${raw.length} bytes`);
  let out = '';
  for (let i = 0; i < raw.length; i += 4) {
    const cp = ((raw.charCodeAt(i) << 24) | (raw.charCodeAt(i + 1) << 16) | (raw.charCodeAt(i + 2) << 8) | raw.charCodeAt(i + 3)) >>> 0;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new Error(`${what}: U+${cp.toString(16)} is not a character`);
    out += String.fromCodePoint(cp);
  }
  return out;
}
