import ZongJi from '@vlasky/zongji';
import mysql from 'mysql2/promise';
export const DSN = {host:'127.0.0.1',port:33701,user:'cutover',password:'cutover'};

// Collect events from a start point until `until(ev, all)` returns true.
export function collect(connOpts, startOpts, until, { onTableMap } = {}) {
  return new Promise((resolve, reject) => {
    const z = new ZongJi({ ...DSN, ...connOpts });
    const events = [];
    z.on('error', (e) => { reject(e); try { z.stop(); } catch {} });
    z.on('binlog', (ev) => {
      if (ev.getTypeName() === 'TableMap' && onTableMap) onTableMap(z, ev);
      events.push(ev);
      if (until(ev, events)) { z.stop(); }
    });
    z.on('stopped', () => resolve({ events, z }));
    z.start({ serverId: 1000 + Math.floor(Math.random() * 1000), ...startOpts });
  });
}

// Raw reference: text protocol, time_zone +00:00, character_set_results NULL, every value as a byte string.
export async function rawSelect(sql) {
  const c = await mysql.createConnection({ ...DSN, typeCast: (field) => { const b = field.buffer(); return b === null ? null : b.toString('latin1'); } });
  await c.query("SET time_zone='+00:00', character_set_results=NULL");
  const [rows] = await c.query(sql);
  await c.end();
  return rows;
}
