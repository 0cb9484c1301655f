// The stream half of `bench postgres`: a sysbench oltp_write_only backlog applied to PostgreSQL by
// `cutover run` (mode "stream" from the position the backlog starts at, --exit-when-caught-up), on a
// MariaDB source of its own (fresh tables every run), checked by the canonical checksum.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startInstance, stopInstance, socketOf } from '../test-services.mjs';
import { countBinlogEvents, prepareSource, writeBacklog } from './backlog.mjs';
import { compareCanonical, mariadbCanonical, pgSql, postgresCanonical, recreatePgDatabase } from './canonical.mjs';
import { cutoverJob, runCutoverJob } from './cutover.mjs';
import { fmtInt, sql, tail } from './lib.mjs';

export const STREAM_DB = 'bench_stream';
const ROW_EVENTS_PER_TRX = 4; // oltp_write_only: index update, non-index update, delete, insert

/**
 * Runs the stream half. `source`: a MariaDB instance description (started and stopped here, wiped
 * afterwards unless `keep`); `pg`: the running cluster; `sink`: the job's sink for a database name;
 * `size`: { events, tables, tableSize, threads }. Returns the result for the report and the JSON.
 */
export async function runStreamHalf({ source, pg, sink, size, work, keep, problem }) {
  const res = { contender: 'stream', label: 'cutover run (stream)', ok: false, seconds: null };
  if (problem) {
    console.log(`\n${res.label.padEnd(30)} … FAIL: ${problem}`);
    return { ...res, error: problem };
  }
  const sock = socketOf(source);
  const log = join(work, 'stream.log');
  try {
    console.log(`\nstream half: starting ${source.name} (${source.port})…`);
    await startInstance(source);
    await prepareSource(source, sock, size, work);
    const [[sf, sp]] = sql(sock, 'SHOW MASTER STATUS');
    const start = { file: sf, pos: Number(sp) };

    // The baseline as of P, untimed: the source is idle, so a snapshot now is the data at P.
    recreatePgDatabase(pg, STREAM_DB);
    process.stdout.write(`baseline at ${start.file}:${start.pos}: cutover snapshot into ${STREAM_DB} (untimed) … `);
    const b = await runCutoverJob(cutoverJob('bench-pg-baseline', { source }, 'snapshot', { sink: sink(STREAM_DB) }), work, join(work, 'baseline.log'));
    if (!b.ok) throw new Error(`the baseline snapshot failed (${b.error}):\n${tail(join(work, 'baseline.log'))}`);
    console.log(`${b.seconds.toFixed(1)} s`);

    const backlogRun = await writeBacklog(source, size, join(work, 'backlog.log'));
    const [[ef, ep]] = sql(sock, 'SHOW MASTER STATUS');
    const end = { file: ef, pos: Number(ep) };
    const counts = await countBinlogEvents(sock, start, end);
    console.log(
      `backlog: ${fmtInt(counts.transactions)} transactions, ${fmtInt(counts.rowEvents)} row events ` +
        `(${fmtInt(size.events * ROW_EVENTS_PER_TRX)} expected), written by sysbench in ${backlogRun.seconds.toFixed(1)} s`,
    );
    const tables = Array.from({ length: size.tables }, (_, i) => `sbtest${i + 1}`);
    const sourceSums = mariadbCanonical(sock, tables);
    pgSql(pg, STREAM_DB, 'CHECKPOINT'); // the baseline's dirty pages written before the timed apply

    process.stdout.write(`${res.label.padEnd(30)} … `);
    const t0 = performance.now();
    const job = cutoverJob('bench-pg-stream', { source }, 'stream', { sink: sink(STREAM_DB), stream: { start: { file: start.file, pos: start.pos } } });
    const r = await runCutoverJob(job, work, log, ['--exit-when-caught-up']);
    Object.assign(res, {
      seconds: r.seconds ?? (performance.now() - t0) / 1000,
      peakRssMB: r.rssKiB != null ? r.rssKiB / 1024 : null,
      backlog: { start, end, ...counts, sysbenchSeconds: backlogRun.seconds },
    });
    if (!r.ok) {
      res.error = r.error;
      console.log(`FAIL (${r.error})\n--- last lines of ${log}:\n${tail(log)}\n---`);
      return res;
    }
    const { checksums, mismatch } = compareCanonical(sourceSums, postgresCanonical(pg, STREAM_DB, tables));
    res.checksums = checksums;
    res.transactionsPerSec = counts.transactions / r.seconds;
    res.rowEventsPerSec = counts.rowEvents / r.seconds;
    if (mismatch) {
      res.error = mismatch;
      console.log(`FAIL ${r.seconds.toFixed(2)} s, ${mismatch}`);
    } else {
      res.ok = true;
      console.log(`${r.seconds.toFixed(2)} s, counts and checksums OK`);
    }
    res.logTail = tail(log, 8).split('\n');
    return res;
  } catch (e) {
    console.log(`FAIL (${e.message})`);
    return { ...res, error: e.message };
  } finally {
    if (!keep) await stopInstance(source);
  }
}
