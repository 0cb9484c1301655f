// How MySQL and MariaDB print a DOUBLE as text: the snapshot's SELECT returns these forms, so a value
// decoded from the binlog (source/mysql/binlog-values.ts) or rendered into a Kafka message
// (sink/kafka/formats/json-values.ts) is written with the very same digits. Pure.

/**
 * MariaDB's text form of a double with no fixed decimals (my_gcvt in strings/dtoa.c, wide field): the
 * shortest round-trip digits (the same digits as JavaScript), 'f' notation iff decpt >= -14 &&
 * (decpt <= 15 || ndigits > decpt), where decpt = exponent + 1; -0 prints as "0".
 */
export function mariadbDouble(x: number): string {
  if (x === 0) return '0';
  const parts = x.toExponential().split('e');
  let mant = parts[0]!;
  const e = Number(parts[1]);
  const neg = mant.startsWith('-');
  if (neg) mant = mant.slice(1);
  const digits = mant.replace('.', '');
  let out: string;
  if (!(e + 1 >= -14 && (e + 1 <= 15 || digits.length > e + 1))) {
    out = (digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits) + 'e' + e;
  } else if (e < 0) out = '0.' + '0'.repeat(-e - 1) + digits;
  else if (digits.length <= e + 1) out = digits + '0'.repeat(e + 1 - digits.length);
  else out = digits.slice(0, e + 1) + '.' + digits.slice(e + 1);
  return (neg ? '-' : '') + out;
}

/** The exact value of a finite double as a BigInt numerator over 2^shift. */
function exactBinary(x: number): { mant: bigint; shift: number } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(x));
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const exp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (exp === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = exp - 1075;
  }
  return e2 >= 0 ? { mant: mant << BigInt(e2), shift: 0 } : { mant, shift: -e2 };
}

/**
 * A double with a fixed number of decimals, as DOUBLE(M,D) prints (my_fcvt: correctly rounded, ties to
 * even; a value that rounds to zero prints without a sign).
 */
export function fixedDouble(x: number, decimals: number): string {
  const { mant, shift } = exactBinary(x);
  // round(|x| * 10^d) with ties to even, exactly
  const num = mant * 10n ** BigInt(decimals);
  const den = 1n << BigInt(shift);
  let q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && q % 2n === 1n)) q += 1n;
  let s = q.toString();
  if (decimals > 0) {
    s = s.padStart(decimals + 1, '0');
    s = s.slice(0, s.length - decimals) + '.' + s.slice(s.length - decimals);
  }
  return x < 0 && q !== 0n ? '-' + s : s;
}
