// JSON written from a row's value bytes (RowBytes ranges) straight into an output buffer, byte for byte
// what JSON.stringify of the same ASCII text writes, for the sinks that write rows from their bytes (the
// search sink's documents, the Kafka sink's copied read events). A value with a byte above 0x7F is not
// written here (-1): its text depends on the column's character set, which the callers' string paths decode.

const HEX = '0123456789abcdef';
/** JSON.stringify's short escapes of the control bytes it has them for: \b \t \n \f \r. */
const SHORT: Record<number, number> = { 0x08: 0x62, 0x09: 0x74, 0x0a: 0x6e, 0x0c: 0x66, 0x0d: 0x72 };

/** Bytes a value of `n` bytes may take at most as a JSON string (every byte a \u00XX escape, plus quotes). */
export const jsonStringBound = (n: number): number => 6 * n + 2;

/** `src[s, e)` as a JSON string at `o` of `out`; the new end, or -1 when a byte is not ASCII. */
export function jsonStringBytes(src: Buffer, s: number, e: number, out: Buffer, o: number): number {
  out[o++] = 0x22;
  for (let j = s; j < e; j++) {
    const c = src[j]!;
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) {
      if (c >= 0x80) return -1;
      out[o++] = c;
    } else if (c === 0x22 || c === 0x5c) {
      out[o++] = 0x5c;
      out[o++] = c;
    } else {
      out[o++] = 0x5c;
      const short = SHORT[c];
      if (short !== undefined) out[o++] = short;
      else {
        out[o++] = 0x75; // \u00XX, lower-case hex as JSON.stringify writes it
        out[o++] = 0x30;
        out[o++] = 0x30;
        out[o++] = HEX.charCodeAt(c >> 4);
        out[o++] = HEX.charCodeAt(c & 15);
      }
    }
  }
  out[o++] = 0x22;
  return o;
}

/** `from` copied at `o`; a loop, not Buffer.copy: for tens of bytes a native call costs more. */
export function putBytes(from: Buffer, out: Buffer, o: number): number {
  for (let j = 0; j < from.length; j++) out[o++] = from[j]!;
  return o;
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

/** Whether `src[s, e)` is a JSON number literal: -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?. */
export function isJsonNumberBytes(src: Buffer, s: number, e: number): boolean {
  let j = s;
  if (src[j] === 0x2d) j++;
  if (j >= e || !isDigit(src[j])) return false;
  if (src[j] === 0x30) j++;
  else while (j < e && isDigit(src[j])) j++;
  if (j < e && src[j] === 0x2e) {
    j++;
    if (j >= e || !isDigit(src[j])) return false;
    while (j < e && isDigit(src[j])) j++;
  }
  if (j < e && (src[j] === 0x65 || src[j] === 0x45)) {
    j++;
    if (j < e && (src[j] === 0x2b || src[j] === 0x2d)) j++;
    if (j >= e || !isDigit(src[j])) return false;
    while (j < e && isDigit(src[j])) j++;
  }
  return j === e;
}
