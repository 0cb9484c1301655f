// Source character sets → Unicode. A raw value is the bytes MySQL stored in the column's charset (as a
// byte string, see engine/sql/values.ts); PostgreSQL takes UTF-8. MySQL's latin1 is Windows-1252 with
// 0x81, 0x8D, 0x8F, 0x90, 0x9D as the C1 controls, which is exactly the WHATWG windows-1252 table.
import { CutoverError } from '../../../shared/errors.js';
import type { ColumnInfo } from '../../source/mysql/schema-reader.js';

/** MySQL charset → WHATWG encoding label (TextDecoder). */
const ENCODINGS: Record<string, string> = {
  utf8mb4: 'utf-8',
  utf8mb3: 'utf-8',
  utf8: 'utf-8',
  cp1250: 'windows-1250',
  cp1251: 'windows-1251',
  cp1256: 'windows-1256',
  cp1257: 'windows-1257',
  latin2: 'iso-8859-2',
  latin5: 'windows-1254',
  latin7: 'iso-8859-13',
  greek: 'iso-8859-7',
  hebrew: 'iso-8859-8',
  koi8r: 'koi8-r',
  koi8u: 'koi8-u',
  cp866: 'ibm866',
  tis620: 'windows-874',
  gbk: 'gbk',
  gb2312: 'gbk',
  big5: 'big5',
  sjis: 'shift_jis',
  cp932: 'shift_jis',
  ujis: 'euc-jp',
  euckr: 'euc-kr',
  ucs2: 'utf-16be',
  utf16: 'utf-16be',
  utf16le: 'utf-16le',
};

/** Decodes a byte string to Unicode; null when the bytes are not valid in the charset. */
export type Decoder = (bytes: string) => string | null;

function utf32(bytes: string): string | null {
  if (bytes.length % 4) return null;
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    const cp = ((bytes.charCodeAt(i) << 24) >>> 0) + (bytes.charCodeAt(i + 1) << 16) + (bytes.charCodeAt(i + 2) << 8) + bytes.charCodeAt(i + 3);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    out += String.fromCodePoint(cp);
  }
  return out;
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * 0x80..0x9F of Windows-1252 (MySQL latin1), the five unassigned bytes as their C1 controls. Written out
 * because Node's TextDecoder reads "windows-1252" as ISO-8859-1.
 */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
const CP1252_SPECIAL = /[\x80-\x9f]/g;

function cp1252(bytes: string): string {
  return bytes.replace(CP1252_SPECIAL, (ch) => CP1252_HIGH[ch.charCodeAt(0) - 0x80]!);
}

/** The decoder for a text column's charset; a CutoverError for a charset without one. */
export function decoderFor(c: Pick<ColumnInfo, 'name' | 'charset'>): Decoder {
  const cs = c.charset ?? 'utf8mb4';
  if (cs === 'utf32') return utf32;
  if (cs === 'latin1' || cs === 'ascii') return cp1252; // every byte is a character: never invalid
  const label = ENCODINGS[cs];
  if (!label)
    throw new CutoverError(
      `Column ${c.name} is in character set ${cs}, which the PostgreSQL sink cannot convert to UTF-8.`,
      `Convert the column on the source (ALTER TABLE … MODIFY ${c.name} … CHARACTER SET utf8mb4), or exclude it.`,
      'CONFIG',
    );
  const td = new TextDecoder(label, { fatal: true });
  const asciiSafe = label !== 'utf-16be' && label !== 'utf-16le';
  return (bytes) => {
    if (asciiSafe && ASCII.test(bytes)) return bytes; // ASCII is the same in every charset here
    try {
      return td.decode(Buffer.from(bytes, 'latin1'));
    } catch {
      return null;
    }
  };
}
