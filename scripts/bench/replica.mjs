// MariaDB's own replica as a `bench apply` contender, on the sink: CHANGE MASTER to the source at P, the IO
// thread's fetch of the backlog into the relay log (untimed), the SQL thread's apply up to E (timed), reset.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { sleep, sql, timed } from './lib.mjs';
import { sqlString } from './mariadb.mjs';

const WAIT_TIMEOUT_S = 3600;

/** Stops and forgets any replica configuration of the sink (left by a failed or --keep run). */
export function resetReplica(sock) {
  if (sql(sock, 'SHOW SLAVE STATUS').length) sql(sock, 'STOP SLAVE; RESET SLAVE ALL');
}

/** SHOW SLAVE STATUS as an object (column name → value), or null without a replica configured. */
function slaveStatus(sock) {
  const r = spawnSync('mariadb', ['--no-defaults', `--socket=${sock}`, '-uroot', '-B', '-e', 'SHOW SLAVE STATUS'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`SHOW SLAVE STATUS failed: ${r.stderr.trim()}`);
  const [header, row] = r.stdout.split('\n');
  if (!row) return null;
  const values = row.split('\t');
  return Object.fromEntries(header.split('\t').map((k, i) => [k, values[i]]));
}

/**
 * MariaDB's replica from P: the IO thread first fetches the whole backlog into the relay log (untimed),
 * then the SQL thread is started and waited for until it has executed everything up to E (timed).
 */
export async function runNative(inst, sock, threads, start, end, log, sinkCpu) {
  writeFileSync(log, '');
  sql(
    sock,
    `SET GLOBAL slave_parallel_threads = ${threads}; ` +
      `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${inst.source.port}, MASTER_USER='cutover', MASTER_PASSWORD='cutover', ` +
      `MASTER_LOG_FILE=${sqlString(start.file)}, MASTER_LOG_POS=${start.pos}, MASTER_USE_GTID=no; ` +
      'START SLAVE IO_THREAD',
  );
  try {
    const f0 = performance.now();
    for (;;) {
      const s = slaveStatus(sock);
      if (s.Master_Log_File === end.file && Number(s.Read_Master_Log_Pos) >= end.pos) break;
      if (s.Last_IO_Errno !== '0') throw new Error(`replica IO thread error ${s.Last_IO_Errno}: ${s.Last_IO_Error}`);
      if ((performance.now() - f0) / 1000 > WAIT_TIMEOUT_S) throw new Error(`the relay log did not reach ${end.file}:${end.pos} in ${WAIT_TIMEOUT_S} s`);
      await sleep(100);
    }
    const fetchSeconds = (performance.now() - f0) / 1000;
    const statement = `START SLAVE SQL_THREAD; SELECT MASTER_POS_WAIT(${sqlString(end.file)}, ${end.pos}, ${WAIT_TIMEOUT_S})`;
    const c0 = sinkCpu();
    const r = await timed('mariadb', ['--no-defaults', `--socket=${sock}`, '-uroot', '-N', '-B', '-e', statement], { log });
    const sinkCpuSeconds = c0 != null ? sinkCpu() - c0 : null;
    const s = slaveStatus(sock);
    writeFileSync(log, `\nSHOW SLAVE STATUS after the wait:\n${Object.entries(s ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n')}\n`, { flag: 'a' });
    const waited = readFileSync(log, 'utf8').split('\n')[0].trim(); // MASTER_POS_WAIT's result: events waited, -1 timeout, NULL error
    const parts = { fetchSeconds, masterPosWait: waited, parallelThreads: threads, sinkCpuSeconds };
    if (r.code !== 0) return { ok: false, seconds: r.seconds, parts, error: `mariadb exit ${r.code}` };
    if (!/^\d+$/.test(waited)) {
      const why = s?.Last_SQL_Errno && s.Last_SQL_Errno !== '0' ? `SQL thread error ${s.Last_SQL_Errno}: ${s.Last_SQL_Error}` : `MASTER_POS_WAIT returned ${waited}`;
      return { ok: false, seconds: r.seconds, parts, error: why };
    }
    return { ok: true, seconds: r.seconds, parts };
  } finally {
    sql(sock, 'STOP SLAVE; RESET SLAVE ALL');
  }
}
