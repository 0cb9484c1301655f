// Backpressure: does zongji.connection.pause()/resume() (mysql2) stop event delivery?
import fs from 'fs';
import ZongJi from '@vlasky/zongji';
import { DSN } from './lib.mjs';
const P = JSON.parse(fs.readFileSync('perf-pos.json'));
const z = new ZongJi(DSN); let rows = 0, paused = false, duringPause = 0, pauses = 0;
z.on('error', (e) => { console.error(e); process.exit(1); });
z.on('binlog', (ev) => {
  if (paused) duringPause++;
  if (ev.getEventName() === 'writerows') rows += ev.rows.length;
  if (ev.getEventName() === 'xid' && !paused && pauses < 3) {       // after each of the first 3 transactions: pause 500 ms
    paused = true; pauses++; z.connection.pause();
    setTimeout(() => { console.log('pause', pauses, 'events delivered while paused:', duringPause, 'rows so far', rows, 'rss', Math.round(process.memoryUsage().rss / 1048576)); duringPause = 0; paused = false; z.connection.resume(); }, 500);
  }
  if (rows >= 200000 && ev.getEventName() === 'xid') { console.log('done', rows); z.stop(); }
});
z.start({ serverId: 778, filename: P.insert.file, position: P.insert.pos, includeEvents: ['tablemap', 'writerows', 'xid'] });
