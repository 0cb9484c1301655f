// Conversions from @vlasky/zongji row values to the exact bytes a text-protocol SELECT returns
// (session time_zone='+00:00', character_set_results=NULL), as "byte strings" (one latin1 code unit per byte).
// Assumes: ZongJi connection options { dateStrings: true, timezone: '+00:00' } and the tablemap hook `rawHook`
// below (+ zongji-mariadb-geometry-charset.patch, + zongji-raw-geometry.patch for GEOMETRY).
export const T = { DECIMAL: 0, TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, TIMESTAMP: 7, LONGLONG: 8, INT24: 9, DATE: 10,
  TIME: 11, DATETIME: 12, YEAR: 13, VARCHAR: 15, BIT: 16, TIMESTAMP2: 17, DATETIME2: 18, TIME2: 19, JSON: 245, NEWDECIMAL: 246,
  ENUM: 247, SET: 248, BLOB: 252, STRING: 254, GEOMETRY: 255 };

// Run synchronously in the 'binlog' handler for every TableMap event (before the row events that use it are parsed).
export function rawHook(zongji, tableMapEvent) {
  const t = zongji.tableMap[tableMapEvent.tableId];
  t.columns.forEach((col, i) => {
    if (col.charset != null) col.charset = 'binary';            // iconv-lite 'binary' codec = Buffer#toString('latin1'): raw bytes
    const s = t.columnSchemas[i];
    if (s.ENUM_VALUES) s.ENUM_VALUES = s.ENUM_VALUES.map((_, k) => k + 1);   // decoded value -> 1-based index (index 0 -> undefined)
    if (s.SET_VALUES) s.SET_VALUES = s.SET_VALUES.map((_, k) => k);         // decoded value -> "0,2" (bit numbers)
    if (col.type === T.GEOMETRY) s.RAW_GEOMETRY = true;                   // zongji-raw-geometry.patch
  });
}

// MariaDB's text form of a double (sql/.. -> my_gcvt in strings/dtoa.c with a wide field): shortest round-trip
// digits (same digits as JS), 'f' format iff decpt >= -14 && (decpt <= 15 || ndigits > decpt), where decpt = exp + 1.
export function mariadbDouble(x) {
  if (x === 0) return '0';                                       // -0 prints as 0
  let [mant, exp] = x.toExponential().split('e');
  const e = Number(exp), neg = mant[0] === '-';
  if (neg) mant = mant.slice(1);
  const digits = mant.replace('.', '');
  let out;
  if (!(e + 1 >= -14 && (e + 1 <= 15 || digits.length > e + 1))) out = (digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits) + 'e' + e;
  else if (e < 0) out = '0.' + '0'.repeat(-e - 1) + digits;
  else if (digits.length <= e + 1) out = digits + '0'.repeat(e + 1 - digits.length);
  else out = digits.slice(0, e + 1) + '.' + digits.slice(e + 1);
  return (neg ? '-' : '') + out;
}

// col: zongji tableMap column ({type}); labels: the ENUM/SET member labels as byte strings (Cutover knows them from
// the schema; here taken from the TableMap event's raw _enumSetValues buffers).
export function toRaw(v, col, labels) {
  if (v === null) return null;
  if (Buffer.isBuffer(v)) return v.toString('latin1');          // BIT, BLOB, BINARY (zero-padded), VARBINARY, raw GEOMETRY
  switch (col.type) {
    case T.TINY: case T.SHORT: case T.INT24: case T.LONG: case T.LONGLONG: return String(v);  // Number or exact string
    case T.FLOAT: case T.DOUBLE: return mariadbDouble(v);       // FLOAT: compare with `col + 0E0`
    case T.YEAR: return v === 1900 ? '0000' : String(v);          // zongji decodes YEAR 0000 as 1900
    case T.ENUM: return v === undefined ? '' : labels[v - 1];     // index 0 (invalid value) -> ''
    case T.SET: return v === '' ? '' : v.split(',').map(k => labels[k]).join(',');
    default: return v;                                            // DECIMAL, DATE/DATETIME/TIMESTAMP/TIME strings, text (byte strings)
  }
}
