import fs from 'fs';
import iconv from 'iconv-lite';
import { collect, rawSelect } from './lib.mjs';
import { rawHook, toRaw, T } from './conv.mjs';
const start = JSON.parse(fs.readFileSync(process.argv[2] || 'pos-before-types.json'));
const table = process.argv[3] || 't';
const startOpts = { filename: start.file, position: start.pos, includeEvents: ['tablemap', 'writerows', 'updaterows', 'deleterows', 'xid'], includeSchema: { zt: [table] } };
const until = (ev) => ev.getTypeName() === 'Xid';
const { events } = await collect({ dateStrings: true, timezone: '+00:00' }, startOpts, until, { onTableMap: rawHook });
const tm = events.find(e => e.getTypeName() === 'TableMap');
const rows = events.filter(e => e.getTypeName() === 'WriteRows').flatMap(e => e.rows);
const cols = events.find(e => e.getTypeName() === 'WriteRows').tableMap[tm.tableId].columns;
const labels = cols.map((c, i) => (tm._enumSetValues && tm._enumSetValues[i] || []).map(b => b.toString('latin1')));
const extra = cols.filter(c => c.type === T.FLOAT || c.type === T.DOUBLE).map(c => `, ${c.name}+0E0 AS \`${c.name}__d\``).join('');
const ref = await rawSelect(`SELECT * ${extra} FROM zt.${table} ORDER BY 1`);
let ok = 0, bad = 0; const perCol = {};
rows.forEach((row, r) => {
  const refVals = Object.values(ref[r]);
  cols.forEach((c, i) => {
    const got = toRaw(row[c.name], c, labels[i]);
    const want = (c.type === T.FLOAT || c.type === T.DOUBLE) ? ref[r][c.name + '__d'] : refVals[i];
    const pc = perCol[c.name] = perCol[c.name] || { type: c.type, ok: 0, bad: 0, jsTypes: new Set() };
    pc.jsTypes.add(row[c.name] === null ? 'null' : Buffer.isBuffer(row[c.name]) ? 'Buffer' : typeof row[c.name]);
    if (got === want) { ok++; pc.ok++; } else { bad++; pc.bad++; console.log('MISMATCH row', r, c.name, JSON.stringify(got)?.slice(0, 80), 'want', JSON.stringify(want)?.slice(0, 80)); }
  });
});
for (const [k, v] of Object.entries(perCol)) console.log(k.padEnd(8), 'type', String(v.type).padEnd(4), 'js', [...v.jsTypes].join('|').padEnd(20), 'exact', v.ok, 'mismatch', v.bad);
console.log('TOTAL exact', ok, 'mismatch', bad);
