import mysql from 'mysql2/promise';
import { rawSelect, DSN } from './lib.mjs';
const vals = [];
for (let e = -330; e <= 308; e++) { vals.push(Number('1e' + e)); vals.push(Number('1.2345678901234567e' + e)); vals.push(-Number('9.87e' + e)); }
const f32 = new Float32Array(1); for (let i = 0; i < 3000; i++) { const u = new Uint32Array([(Math.random() * 2 ** 32) >>> 0]); const f = new Float32Array(u.buffer)[0]; if (isFinite(f)) vals.push(f); }
for (let i = 0; i < 3000; i++) { const b = new Float64Array(new Uint32Array([(Math.random()*2**32)>>>0,(Math.random()*2**32)>>>0]).buffer)[0]; if (isFinite(b)) vals.push(b); }
vals.push(0, -0, 0.1, 0.5, 100, 123456789012345680000, 1e21, 1e20, 0.000001, 0.0000001, 2**53, 2**64, Number.MIN_VALUE, Number.MAX_VALUE, 16777216);
for (let i = vals.length - 1; i >= 0; i--) if (!isFinite(vals[i])) vals.splice(i, 1);
const c = await mysql.createConnection({ ...DSN, multipleStatements: true });
await c.query('USE zt; DROP TABLE IF EXISTS dd; CREATE TABLE dd (i INT PRIMARY KEY, d DOUBLE)');
for (let i = 0; i < vals.length; i += 1000) await c.query('INSERT INTO dd VALUES ' + vals.slice(i, i + 1000).map((v, k) => `(${i + k},${Object.is(v, -0) ? '-0e0' : v.toExponential(16)})`).join(','));
await c.end();
const rows = await rawSelect('SELECT i, d, d+0E0 AS t FROM zt.dd ORDER BY i');
// MariaDB text form of a double: shortest round-trip digits (same as JS),
// exponent form when decimal exponent < -4 ... determined below
export function mariadbDouble(x) {
  if (x === 0) return '0';
  let s = x.toExponential(); // shortest digits d.ddd e±n
  let [mant, exp] = s.split('e'); const e = Number(exp);
  const neg = mant[0] === '-'; if (neg) mant = mant.slice(1);
  const digits = mant.replace('.', '');
  let out;
  // my_gcvt (strings/dtoa.c) with a wide field: 'f' iff decpt >= -DBL_DIG+1 && (decpt <= DBL_DIG || len > decpt), decpt = e+1
  if (!(e + 1 >= -14 && (e + 1 <= 15 || digits.length > e + 1))) out = (digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits) + 'e' + e;
  else if (e < 0) out = '0.' + '0'.repeat(-e - 1) + digits;
  else if (digits.length <= e + 1) out = digits + '0'.repeat(e + 1 - digits.length);
  else out = digits.slice(0, e + 1) + '.' + digits.slice(e + 1);
  return (neg ? '-' : '') + out;
}
let bad = 0;
for (const r of rows) { const v = Number(r.d); const m = mariadbDouble(vals[r.i]); if (m !== r.t) { if (bad++ < 15) console.log('MISMATCH', vals[r.i], 'server', r.t, 'mine', m, 'js', String(vals[r.i])); } }
console.log('checked', rows.length, 'mismatches', bad);
// decision analysis
const stats = {};
for (const r of rows) { const x = vals[r.i]; if (x === 0) continue; const e = Number(x.toExponential().split('e')[1]); const nd = x.toExponential().split('e')[0].replace(/[-.]/g, '').length; const sci = /e/.test(r.t); const k = e + ':' + (sci ? 'S' : 'F'); stats[k] = stats[k] || []; if (stats[k].length < 200) stats[k].push(nd); }
const es = [...new Set(Object.keys(stats).map(k => +k.split(':')[0]))].sort((a, b) => a - b);
for (const e of es) { const s = stats[e + ':S'] || [], f = stats[e + ':F'] || []; if (s.length && f.length) console.log('e', e, 'sci digits', [...new Set(s)].sort((a,b)=>a-b).join(','), 'fixed digits', [...new Set(f)].sort((a,b)=>a-b).join(',')); else console.log('e', e, s.length ? 'all sci' : 'all fixed'); }
