// Source character sets → Unicode. A raw value is the bytes MySQL stored in the column's charset (as a
// byte string, see engine/sql/values.ts); PostgreSQL takes UTF-8. UTF-8, UTF-16/32 and MySQL's latin1
// (Windows-1252 with 0x81, 0x8D, 0x8F, 0x90, 0x9D as the C1 controls) are decoded here. MySQL's tables
// for the multi-byte Asian charsets differ from the WHATWG ones in places (sjis 0x815F is "\\", not "＼";
// big5, ujis, euckr, gb2312 differ in hundreds of codes), so those are learned from the source itself:
// loadSourceCharsets asks the source server how it converts every code to utf8mb4, once per run.
import { CutoverError } from '../../../shared/errors.js';
import type { RawRow } from '../../core/rows.js';
import type { ColumnInfo } from '../../core/tables.js';

/** Whether decoderFor can serve this charset now (a source-learned one must be loaded first). */
export function charsetReady(cs: string | null): boolean {
  return !cs || !SOURCE_TABLE_CHARSETS.has(cs) || learned.has(cs);
}

/** Multi-byte charsets converted by the source's own table (loadSourceCharsets). */
export const SOURCE_TABLE_CHARSETS = new Set(['gbk', 'gb2312', 'big5', 'sjis', 'cp932', 'ujis', 'euckr', 'eucjpms']);

/** Byte sequence (as a byte string) → its character, per charset, as the source converts it. */
const learned = new Map<string, Map<string, string>>();

/**
 * Learns how the source converts each code of `charsets` (the multi-byte ones) to Unicode: every single
 * byte 0x80–0xFF, every two-byte code 0x8140–0xFEFE, and for ujis/eucjpms the three-byte 0x8FA1A1–0x8FFEFE.
 */
export async function loadSourceCharsets(run: (sql: string) => Promise<RawRow[]>, charsets: Iterable<string>): Promise<void> {
  for (const cs of charsets) {
    if (!SOURCE_TABLE_CHARSETS.has(cs) || learned.has(cs)) continue;
    // Recursive CTEs stop at 1000 rows by default (MariaDB max_recursive_iterations, MySQL cte_max_recursion_depth).
    await run('SET SESSION max_recursive_iterations = 100000').catch(() => undefined);
    await run('SET SESSION cte_max_recursion_depth = 100000').catch(() => undefined);
    const map = new Map<string, string>();
    const ranges: [number, number, number][] = [
      [0x80, 0xff, 1],
      [0x8140, 0xfefe, 2],
    ];
    if (cs === 'ujis' || cs === 'eucjpms') ranges.push([0x8fa1a1, 0x8ffefe, 3]);
    for (const [lo, hi, bytes] of ranges) {
      // Raw values (latin1 byte strings): the hex texts are ASCII.
      const rows = await run(
        `WITH RECURSIVE s (n) AS (SELECT ${lo} UNION ALL SELECT n + 1 FROM s WHERE n < ${hi})
         SELECT LPAD(HEX(n), ${bytes * 2}, '0') AS c, HEX(CONVERT(CAST(UNHEX(LPAD(HEX(n), ${bytes * 2}, '0')) AS CHAR CHARACTER SET ${cs}) USING utf8mb4)) AS u
           FROM s WHERE n & 255 >= ${bytes === 1 ? 128 : 64}`,
      );
      for (const [c, u] of rows) {
        const ch = Buffer.from(String(u ?? ''), 'hex').toString('utf8');
        // One character, and not the "?" the conversion gives for a code the charset does not have.
        if ([...ch].length !== 1 || ch === '?' || ch === '\ufffd') continue;
        map.set(Buffer.from(String(c), 'hex').toString('latin1'), ch);
      }
    }
    learned.set(cs, map);
  }
}

/** A decoder by a learned table: ASCII as itself, then the longest known code at each position. */
function tableDecoder(map: Map<string, string>): Decoder {
  return (bytes) => {
    if (ASCII.test(bytes)) return bytes;
    let out = '';
    for (let i = 0; i < bytes.length; ) {
      const b = bytes.charCodeAt(i);
      if (b < 0x80) {
        out += bytes[i++];
        continue;
      }
      const one = map.get(bytes[i]!);
      const two = one === undefined ? map.get(bytes.slice(i, i + 2)) : undefined;
      const three = one === undefined && two === undefined ? map.get(bytes.slice(i, i + 3)) : undefined;
      const ch = one ?? two ?? three;
      if (ch === undefined) return null;
      out += ch;
      i += one !== undefined ? 1 : two !== undefined ? 2 : 3;
    }
    return out;
  };
}

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
  if (SOURCE_TABLE_CHARSETS.has(cs)) {
    const map = learned.get(cs);
    if (!map) throw new CutoverError(`Column ${c.name} is in character set ${cs}, whose conversion table was not read from the source.`, 'Report this as a bug.', 'CONFIG');
    return tableDecoder(map);
  }
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
