import fs from 'fs';
import { collect, rawSelect } from './lib.mjs';
const start = JSON.parse(fs.readFileSync('pos-before-types.json'));
const startOpts = { filename: start.file, position: start.pos, includeEvents: ['tablemap', 'writerows'], includeSchema: { zt: ['t'] } };
const until = (ev, all) => all.filter(e => e.getTypeName() === 'WriteRows').reduce((n, e) => n + e.rows.length, 0) >= 6;

// Mode A: defaults
const A = await collect({}, startOpts, until);
const tm = A.events.find(e => e.getTypeName() === 'TableMap');
console.log('columnTypes', tm.columnTypes.join(','));
const rowsA = A.events.filter(e => e.getTypeName() === 'WriteRows').flatMap(e => e.rows);

// Mode B: dateStrings + timezone '+00:00' + raw-bytes hack (charset -> 'binary', enum/set -> index lists)
const hack = (z, ev) => {
  const t = z.tableMap[ev.tableId];
  t.columns.forEach((col, i) => {
    if (col.charset != null) col.charset = 'binary';   // iconv-lite 'binary' = one latin1 code unit per byte
    const s = t.columnSchemas[i];
    if (s.ENUM_VALUES) s.ENUM_VALUES = s.ENUM_VALUES.map((_, k) => k + 1);          // value -> 1-based index
    if (s.SET_VALUES) s.SET_VALUES = s.SET_VALUES.map((_, k) => k);                 // value -> "0,2" bit numbers
    if (col.type === 255) s.RAW_GEOMETRY = true;                                     // needs zongji-raw-geometry.patch
  });
};
const B = await collect({ dateStrings: true, timezone: '+00:00', supportBigNumbers: true, bigNumberStrings: true }, startOpts, until, { onTableMap: hack });
const rowsB = B.events.filter(e => e.getTypeName() === 'WriteRows').flatMap(e => e.rows);
const ref = await rawSelect('SELECT t.*, f+0E0 AS f_d, db+0E0 AS db_d FROM zt.t ORDER BY id');
fs.writeFileSync('types-out.json', JSON.stringify({ rowsA, rowsB, ref }, (k, v) => Buffer.isBuffer(v) ? { buf: v.toString('hex') } : (v === undefined ? '__undefined__' : (v instanceof Date ? { date: isNaN(v) ? 'Invalid' : v.toISOString() } : v)), 1));
console.log('ok', rowsA.length, rowsB.length, ref.length);
