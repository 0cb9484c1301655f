// MariaDB helpers shared by the benchmarks: the sysbench database, its arguments and its prepared
// tables, client arguments and quoting, waiting for dirty pages to be flushed, and CHECKSUM TABLE on
// both sides.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmtInt, sleep, sql, tail, timed } from './lib.mjs';

/** The database sysbench writes on the source and every method or contender fills on the sink. */
export const DB = 'sbtest';

/** Arguments of a `mariadb`/`mariadb-dump` client connecting to an instance over TCP as `cutover`. */
export function clientArgs(inst) {
  return ['--no-defaults', '--host=127.0.0.1', `--port=${inst.port}`, '--user=cutover', '--password=cutover'];
}

/** Arguments single-quoted for a bash command line. */
export const shellQuote = (a) => a.map((s) => `'${s}'`).join(' ');

/** A string as an SQL literal. */
export const sqlString = (s) => `'${String(s).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** sysbench's arguments for `test` (oltp_read_write, oltp_write_only, …) on the source's `tables` × `tableSize` rows. */
export function sysbenchArgs(test, source, { tables, tableSize }) {
  return [
    test,
    '--db-driver=mysql',
    '--mysql-host=127.0.0.1',
    `--mysql-port=${source.port}`,
    '--mysql-user=cutover',
    '--mysql-password=cutover',
    `--mysql-db=${DB}`,
    `--tables=${tables}`,
    `--table-size=${tableSize}`,
  ];
}

/**
 * Makes sure the source has exactly sbtest1..`tables` with `perTable` rows each (sysbench's
 * oltp_read_write shape: id INT AUTO_INCREMENT primary key, k INT with an index, c CHAR(120),
 * pad CHAR(60)); runs `sysbench prepare` otherwise, or always with `fresh`. Prepared rows are reused
 * across runs of a bench whose source is kept.
 */
export async function prepareSysbenchTables(source, sock, { tables, perTable, fresh = false }) {
  const expected = Array.from({ length: tables }, (_, i) => `sbtest${i + 1}`);
  if (!fresh) {
    const have = sql(sock, `SELECT table_name, table_rows FROM information_schema.tables WHERE table_schema='${DB}' ORDER BY table_name`).map((r) => r[0]);
    if (have.length === tables && expected.every((t) => have.includes(t))) {
      const counts = sql(sock, expected.map((t) => `SELECT COUNT(*) FROM ${DB}.${t}`).join(' UNION ALL ')).map((r) => Number(r[0]));
      if (counts.every((c) => c === perTable)) {
        console.log(`source already has ${tables} × ${fmtInt(perTable)} rows: reusing it`);
        return;
      }
    }
  }
  console.log(`preparing source: sysbench ${tables} × ${fmtInt(perTable)} rows…`);
  sql(sock, `DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB}`);
  const log = join(tmpdir(), `cutover-bench-sysbench-${process.pid}.log`);
  const r = await timed('sysbench', [...sysbenchArgs('oltp_read_write', source, { tables, tableSize: perTable }), `--threads=${tables}`, 'prepare'], { log });
  if (r.code !== 0) throw new Error(`sysbench prepare failed (exit ${r.code}):\n${tail(log)}`);
  rmSync(log, { force: true });
  sql(sock, 'RESET MASTER'); // the prepare's binlog (~400 MB per million rows) is of no use to a snapshot copy
  console.log(`  prepared in ${r.seconds.toFixed(1)} s`);
}

/**
 * Waits (≤ 60 s) until the server has flushed its dirty pages (a loaded dump's, a backlog's, the previous
 * method's), so the page cleaner doesn't compete with what is timed next. innodb_io_capacity is raised
 * meanwhile: at its default of 200 pages/s a loaded dump takes half a minute to flush. Everything is
 * restored before it returns, so nothing timed afterwards runs with these settings.
 */
export async function settle(sock) {
  const names = ['innodb_max_dirty_pages_pct', 'innodb_max_dirty_pages_pct_lwm', 'innodb_io_capacity', 'innodb_io_capacity_max'];
  const [saved] = sql(sock, `SELECT ${names.map((n) => `@@${n}`).join(', ')}`);
  const [pct, lwm, io, ioMax] = saved;
  // io_capacity may never exceed io_capacity_max: raise the max first, restore it last.
  sql(sock, 'SET GLOBAL innodb_io_capacity_max = 100000, innodb_io_capacity = 50000, innodb_max_dirty_pages_pct_lwm = 0, innodb_max_dirty_pages_pct = 0');
  try {
    for (let i = 0; i < 600; i++) {
      const [[dirty]] = sql(sock, "SELECT variable_value FROM information_schema.global_status WHERE variable_name = 'INNODB_BUFFER_POOL_PAGES_DIRTY'");
      if (Number(dirty) < 100) break;
      await sleep(100);
    }
  } finally {
    sql(sock, `SET GLOBAL innodb_max_dirty_pages_pct = ${pct}, innodb_max_dirty_pages_pct_lwm = ${lwm}, innodb_io_capacity = ${io}, innodb_io_capacity_max = ${ioMax}`);
  }
}

/** CHECKSUM TABLE of `tables` (in DB): table → checksum (null for a missing table). */
export function checksums(sock, tables) {
  const rows = sql(sock, `CHECKSUM TABLE ${tables.map((t) => `${DB}.${t}`).join(', ')}`);
  return Object.fromEntries(rows.map(([name, sum]) => [name.replace(`${DB}.`, ''), sum]));
}

/** The sink's checksums against the source's: both per table, for the JSON, and the mismatch (null if none). */
export function compareChecksums(sinkSock, tables, sourceSums) {
  const sinkSums = checksums(sinkSock, tables);
  const bad = tables.filter((t) => sinkSums[t] == null || sinkSums[t] !== sourceSums[t]);
  return {
    checksums: Object.fromEntries(tables.map((t) => [t, { source: sourceSums[t], sink: sinkSums[t] }])),
    mismatch: bad.length ? `CHECKSUM TABLE mismatch: ${bad.map((t) => `${t} source=${sourceSums[t]} sink=${sinkSums[t]}`).join(', ')}` : null,
  };
}
