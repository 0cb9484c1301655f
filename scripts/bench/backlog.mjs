// The source side of `bench apply`: fresh sysbench tables, their dump with the binlog position P it is
// consistent with, the oltp_write_only backlog written after it, and the backlog's size and event counts.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fmtInt, sql, tail, timed } from './lib.mjs';
import { DB, clientArgs, shellQuote, sqlString, sysbenchArgs } from './mariadb.mjs';

/** Always fresh: the backlog changes the tables, so a previous run's data is never the baseline. */
export async function prepareSource(source, sock, size, work) {
  console.log(`preparing source: sysbench ${size.tables} × ${fmtInt(size.tableSize)} rows…`);
  sql(sock, `DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB}`);
  const log = join(work, 'prepare.log');
  const r = await timed('sysbench', [...sysbenchArgs('oltp_write_only', source, size), `--threads=${Math.min(size.tables, 4)}`, 'prepare'], { log });
  if (r.code !== 0) throw new Error(`sysbench prepare failed (exit ${r.code}):\n${tail(log)}`);
  sql(sock, 'RESET MASTER'); // the prepare's binlog is of no use: the backlog starts after the dump's position
  console.log(`  prepared in ${r.seconds.toFixed(1)} s`);
}

/** mariadb-dump --master-data=2 writes the position the dump is consistent with as a comment in its header. */
export async function dumpSource(source, file, log) {
  const cmd = `mariadb-dump ${shellQuote(clientArgs(source))} --single-transaction --master-data=2 --quick ${DB} > '${file}'`;
  const r = await timed('bash', ['-o', 'pipefail', '-c', cmd], { log });
  if (r.code !== 0) throw new Error(`mariadb-dump failed (exit ${r.code}):\n${tail(log)}`);
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(64 * 1024);
  const n = readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  const m = buf
    .subarray(0, n)
    .toString('utf8')
    .match(/^-- CHANGE MASTER TO MASTER_LOG_FILE='([^']+)',\s*MASTER_LOG_POS=(\d+);/m);
  if (!m) throw new Error(`no "-- CHANGE MASTER TO MASTER_LOG_FILE=…, MASTER_LOG_POS=…" line in the header of ${file}`);
  return { file: m[1], pos: Number(m[2]) };
}

export async function writeBacklog(source, size, log) {
  console.log(`writing the backlog: sysbench oltp_write_only, ${fmtInt(size.events)} transactions, ${size.threads} threads…`);
  const r = await timed('sysbench', [...sysbenchArgs('oltp_write_only', source, size), `--threads=${size.threads}`, `--events=${size.events}`, '--time=0', `--rand-seed=${size.seed ?? 1}`, 'run'], { log });
  if (r.code !== 0) throw new Error(`sysbench run failed (exit ${r.code}):\n${tail(log)}`);
  const m = readFileSync(log, 'utf8').match(/^\s*transactions:\s+(\d+)/m);
  return { seconds: r.seconds, transactions: m ? Number(m[1]) : null };
}

/** Binlog files from `start.file` to `end.file`, in order, with their sizes. */
function binlogFiles(sock, start, end) {
  const all = sql(sock, 'SHOW BINARY LOGS').map(([name, bytes]) => ({ name, bytes: Number(bytes) }));
  const i = all.findIndex((f) => f.name === start.file);
  const j = all.findIndex((f) => f.name === end.file);
  if (i < 0 || j < i) throw new Error(`binlog files ${start.file}..${end.file} not found on the source`);
  return all.slice(i, j + 1);
}

export function backlogBytes(sock, start, end) {
  return binlogFiles(sock, start, end).reduce((sum, f) => {
    const from = f.name === start.file ? start.pos : 0;
    const to = f.name === end.file ? end.pos : f.bytes;
    return sum + (to - from);
  }, 0);
}

/**
 * Counts the backlog's transactions (Xid events), row events (Write/Update/Delete_rows) and all events
 * by streaming SHOW BINLOG EVENTS, without holding hundreds of thousands of rows in memory.
 */
export async function countBinlogEvents(sock, start, end) {
  const counts = { transactions: 0, rowEvents: 0, events: 0 };
  for (const f of binlogFiles(sock, start, end)) {
    const from = f.name === start.file ? ` FROM ${start.pos}` : '';
    const child = spawn('mariadb', ['--no-defaults', `--socket=${sock}`, '-uroot', '-N', '-B', '--quick', '-e', `SHOW BINLOG EVENTS IN ${sqlString(f.name)}${from}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise((resolve) => child.on('close', resolve));
    for await (const line of createInterface({ input: child.stdout })) {
      const [, pos, type] = line.split('\t');
      if (f.name === end.file && Number(pos) >= end.pos) continue;
      counts.events++;
      if (type === 'Xid') counts.transactions++;
      else if (/^(Write|Update|Delete)_rows/.test(type)) counts.rowEvents++;
    }
    const code = await closed;
    if (code !== 0) throw new Error(`SHOW BINLOG EVENTS IN ${f.name} failed: ${stderr.trim()}`);
  }
  return counts;
}
