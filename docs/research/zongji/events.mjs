import mysql from 'mysql2/promise';
import ZongJi from '@vlasky/zongji';
import { DSN } from './lib.mjs';
const c = await mysql.createConnection({ ...DSN, multipleStatements: true });
await c.query('CREATE DATABASE IF NOT EXISTS ze; USE ze; DROP TABLE IF EXISTS a; CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(10))');
const [[m0]] = await c.query('SHOW MASTER STATUS'); const [[g0]] = await c.query('SELECT @@gtid_binlog_pos g');
console.log('start', m0.File, m0.Position, 'gtid_binlog_pos', g0.g);

function run(label, startOpts, stopWhen) {
  return new Promise((resolve, reject) => {
    const z = new ZongJi(DSN); const seen = [];
    z.on('error', reject);
    z.on('binlog', (ev) => {
      const n = ev.getEventName();
      const extra = n === 'rotate' ? ` binlogName=${ev.binlogName} position=${ev.position}` : n === 'mariadbgtid' ? ` gtid=${ev.gtid} standalone=${ev.standalone} isDdl=${ev.isDdl}` :
        n === 'mariadbgtidlist' ? ` list=${JSON.stringify(ev.gtidList ?? ev.gtids ?? Object.keys(ev))}` : n === 'query' ? ` query=${JSON.stringify(ev.query)}` : n === 'heartbeat' ? ` binlogName=${ev.binlogName}` :
        ['writerows', 'updaterows', 'deleterows'].includes(n) ? ` rows=${ev.rows.length}` : n === 'binlogcheckpoint' ? ` file=${ev.binlogName ?? ev.fileName ?? ''}` : '';
      seen.push(n);
      console.log(`[${label}] ${n.padEnd(16)} ts=${ev.timestamp} nextPosition=${ev.nextPosition} ev.gtid=${ev.gtid}${extra} | resume=${z.options.filename}:${z.options.position} gtidSet=${z.gtidSet}`);
      if (stopWhen(ev, seen)) z.stop();
    });
    z.on('stopped', () => resolve(seen));
    z.start({ serverId: 4242, ...startOpts });
  });
}
const xids = (k) => (ev, seen) => seen.filter(s => s === 'xid').length >= k;
const p = run('file', { filename: m0.File, position: m0.Position }, xids(3));
await new Promise(r => setTimeout(r, 500));
await c.query("INSERT INTO a VALUES (1,'one')");                     // tx1
const [[g1]] = await c.query('SELECT @@gtid_binlog_pos g');
await c.query('FLUSH BINARY LOGS');
await c.query("BEGIN; INSERT INTO a VALUES (2,'two'),(3,'three'); UPDATE a SET v='uno' WHERE id=1; DELETE FROM a WHERE id=3; COMMIT");   // tx2
await c.query('CREATE TABLE a2 (x INT)');                              // DDL
await c.query("INSERT INTO a VALUES (4,'four')");                     // tx3
await p;
console.log('--- gtid start at', g1.g, '(after tx1)');
await run('gtid', { gtidSet: g1.g }, xids(2));
console.log('--- gtid start at', g0.g, '(before tx1)');
await run('gtid0', { gtidSet: g0.g }, xids(1));
await c.end();
