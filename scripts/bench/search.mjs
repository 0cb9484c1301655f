// `npm run bench -- search`: snapshot-copy throughput of Cutover into OpenSearch 2.19 and Elasticsearch 7.17
// against the limit of the same run: a bulk loader posting the same documents, pre-rendered as NDJSON,
// with curl, with the same bulk size and concurrency (scripts/bench/search-loader.mjs).
//
//   npm run bench -- search [--rows N] [--flavours opensearch,elasticsearch] [--only cutover,bulk]
//                           [--parallelism N] [--chunk-rows N] [--sample N] [--port-base N] [--keep] [--fresh]
//
// The source is a throwaway MariaDB with sysbench tables (sbtest1..4, as `bench -- copy`), the clusters
// are scripts/search-server.mjs's (Maven Central's test distributions). After each contender every index
// is counted and a sample of documents is compared with the source rows; a wrong count or document makes
// the exit code 1, a missed target is only reported. Printed: wall seconds, documents/s, CPU seconds of
// the contender's processes (GNU time), of the search JVM and of the source's mariadbd (/proc, before and
// after), the contender's peak RSS, and Cutover / limit beside the target. Results go to bench-results/.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instances, pidOf, socketOf, startInstance, stopInstance } from '../test-services.mjs';
import { searchInstance, startSearch, stopSearch } from '../search-server.mjs';
import { cutoverBuildProblem, cutoverJob, runCutoverJob } from './cutover.mjs';
import { checkTools, fmtInt, formatTable, hostInfo, intOption, parseOptions, pidInFile, processCpuSeconds, reportAndSave, selectOnly, sql, tail } from './lib.mjs';
import { DB, prepareSysbenchTables } from './mariadb.mjs';
import { readSharedOptions, sharedHelp, sharedOptions } from './options.mjs';
import { renderBodies, request, runBulkLoader } from './search-loader.mjs';
import { runStreamHalf } from './search-stream.mjs';

export const summary = 'snapshot copy of sysbench tables into OpenSearch and Elasticsearch 7: cutover vs pre-rendered NDJSON posted by curl';

const TABLES = 4;
const FLAVOURS = ['opensearch', 'elasticsearch'];
const CONTENDERS = ['cutover', 'bulk'];
const TARGET_RATIO = 0.8; // cutover throughput vs the bulk loader
const DEFAULT_PORT_BASE = 33560;
/** The job defaults (shared/job-config.ts) and the search sink's bulk size (4 MiB of source bytes). */
const JOB_PARALLELISM = 4;
const JOB_CHUNK_ROWS = 20_000;
const SINK_BATCH_BYTES = 4 * 1024 * 1024;

const HELP = `Usage: npm run bench -- search [options]

Copies ${TABLES} sysbench tables (${DB}.sbtest1..${TABLES}) from a throwaway MariaDB source (port base + 1,
default ${DEFAULT_PORT_BASE + 1}) into OpenSearch 2.19.1 (port base + 80) and Elasticsearch 7.17.10 (port base + 82)
with \`cutover run\` (mode snapshot), and with the limit: the same documents rendered beforehand as NDJSON
bulk bodies and posted by curl, the same number of documents per bulk request and the same number of
requests in flight as Cutover (its chunk rows, bounded by its 4 MiB bulk size, and its parallelism).

Options:
${sharedHelp(['rows'], { what: `rows, split across ${TABLES} tables` })}
  --flavours LIST      opensearch, elasticsearch or both (default both)
  --only LIST          contenders: cutover, bulk (default both)
${sharedHelp(['parallelism', 'chunk-rows'], { parallelism: `cutover's snapshot.parallelism and the loader's concurrency (default ${JOB_PARALLELISM})`, chunkRows: `cutover's snapshot.chunkRows (default ${fmtInt(JOB_CHUNK_ROWS)})` })}
  --sample N           documents per table compared with their rows after each contender (default 200)
  --runs R             timed runs of each contender per flavour (default 2), the order alternating (cutover,
                       bulk, bulk, cutover, …): a JVM still compiling would favour whoever runs later
  --transactions N     the stream half's backlog transactions (default 40000)
  --no-stream          skip the stream half (npm run bench -- search-stream)
  --warmup N           at most N warm-up rounds before each flavour's contenders, untimed (default 12; 0: none):
                       a round is --parallelism concurrent bulk requests of synthetic documents as Cutover
                       sends them into a throwaway index; it ends once 3 rounds in a row cost the JVM the same
                       CPU (within 10%), so the JIT compilation falls on neither contender
${sharedHelp(['port-base', 'keep', 'fresh'], { ports: 'N+1 source, N+80/81 OpenSearch, N+82/83 Elasticsearch', defaultPortBase: DEFAULT_PORT_BASE })}
  -h, --help           this help
`;

export async function main(argv) {
  const { opts, exit } = parseOptions(
    argv,
    {
      ...sharedOptions(['rows', 'parallelism', 'chunk-rows', 'port-base', 'keep', 'fresh']),
      flavours: { type: 'string' },
      only: { type: 'string' },
      sample: { type: 'string', default: '200' },
      warmup: { type: 'string', default: '12' },
      transactions: { type: 'string', default: '40000' },
      runs: { type: 'string', default: '2' },
      'no-stream': { type: 'boolean', default: false },
    },
    HELP,
  );
  if (!opts) return exit;
  const shared = readSharedOptions(opts, { tables: TABLES, portBaseDefault: DEFAULT_PORT_BASE, minChunkRows: 100 });
  const { perTable, totalRows, portBase } = shared;
  const parallelism = shared.parallelism ?? JOB_PARALLELISM;
  const chunkRows = shared.chunkRows ?? JOB_CHUNK_ROWS;
  const sample = intOption(opts, 'sample', 0);
  const warmup = intOption(opts, 'warmup', 0);
  const runs = intOption(opts, 'runs', 1);
  const flavours = selectOnly(opts.flavours, FLAVOURS, 'flavour');
  const contenders = selectOnly(opts.only, CONTENDERS, 'contender');
  if (!flavours || !contenders) return 1;
  if (!checkTools(['sysbench', 'curl', 'mariadb'], 'sudo apt-get install -y sysbench curl mariadb-client')) return 1;
  if (contenders.includes('cutover')) {
    const problem = cutoverBuildProblem({ suggestOnly: true });
    if (problem?.fatal) {
      console.error(problem.message);
      return 1;
    }
    if (problem) console.warn(`warning: ${problem.message}`);
  }

  const inst = instances('bench', portBase);
  const srcSock = socketOf(inst.source);
  const work = mkdtempSync(join(tmpdir(), 'cutover-bench-search-'));
  const startedAt = new Date();
  const host = hostInfo({ mariadb: 'mariadbd', curl: 'curl' });
  const clusters = Object.fromEntries(flavours.map((f) => [f, searchInstance(f, 'bench', portBase)]));
  const results = [];
  let failed = false;
  try {
    console.log(`starting bench-source (${inst.source.port}) and ${flavours.map((f) => `${clusters[f].name} (${clusters[f].port})`).join(', ')}…`);
    await startInstance(inst.source);
    await Promise.all(flavours.map(async (f) => (clusters[f].version = (await startSearch(clusters[f])).version)));
    await prepareSysbenchTables(inst.source, srcSock, { tables: TABLES, perTable, fresh: opts.fresh });
    const tables = Array.from({ length: TABLES }, (_, i) => `sbtest${i + 1}`);
    // Cutover's bulk request: a chunk's rows, cut at 4 MiB of source bytes (copy-runner: each value's length plus one per column).
    const [[avgBytes]] = sql(srcSock, `SELECT AVG(LENGTH(id) + LENGTH(k) + LENGTH(c) + LENGTH(pad) + 4) FROM ${DB}.sbtest1`);
    const bulkDocs = Math.min(chunkRows, Math.ceil(SINK_BATCH_BYTES / Number(avgBytes)));
    console.log(`source: ${fmtInt(totalRows)} rows in ${DB}.sbtest1..${TABLES}; ${host.cpus} CPUs; bulk requests of ≤ ${fmtInt(bulkDocs)} documents, ${parallelism} in flight`);
    if (host.loadavgAtStart[0] > host.cpus / 2) console.log(`warning: load average ${host.loadavgAtStart.map((l) => l.toFixed(2)).join(' ')} on ${host.cpus} CPUs: other work is running, timings will be noisy`);
    let files = null;
    if (contenders.includes('bulk')) {
      const t0 = Date.now();
      files = await renderBodies(srcSock, tables, work, bulkDocs);
      console.log(`rendered ${files.length} bulk bodies in ${((Date.now() - t0) / 1000).toFixed(1)} s (untimed)`);
    }
    console.log('');

    for (const flavour of flavours) {
      const c = clusters[flavour];
      console.log(`into ${flavour} ${c.version} (${c.url}):`);
      const w0 = Date.now();
      const w = await warmUp(c.url, { docs: bulkDocs, streams: parallelism, maxRounds: warmup, jvm: pidInFile(join(c.dir, 'server.pid')) });
      if (w.rounds)
        console.log(
          `  (the JVM warmed up with ${fmtInt(w.rounds * parallelism * bulkDocs)} documents of a throwaway index in ${((Date.now() - w0) / 1000).toFixed(1)} s, untimed; ` +
            `its CPU per round of ${fmtInt(parallelism * bulkDocs)}: ${w.cpu.map((x) => x.toFixed(2)).join(', ')} s${w.stable ? ', stable' : ', NOT stable yet: raise --warmup'})`,
        );
      let mappings = null;
      const order = Array.from({ length: runs }, (_, i) => (i % 2 ? [...contenders].reverse() : contenders).map((contender) => ({ contender, run: i + 1 }))).flat();
      for (const { contender, run } of order) {
        await deleteIndexes(c.url, tables);
        const log = join(work, `${contender}-${flavour}-${run}.log`);
        process.stdout.write(`  ${contender.padEnd(8)} ${runs > 1 ? `run ${run} ` : ''}… `);
        const pids = { search: pidInFile(join(c.dir, 'server.pid')), source: pidOf(inst.source) };
        const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, processCpuSeconds(p)]));
        let r;
        if (contender === 'cutover') {
          const job = cutoverJob(`bench-search-${flavour}`, inst, 'snapshot', { sink: { type: 'elasticsearch', url: c.url }, snapshot: { parallelism, chunkRows } });
          r = await runCutoverJob(job, work, log);
        } else {
          mappings ??= Object.fromEntries(tables.map((t) => [`${DB}.${t}`, SYSBENCH_MAPPINGS]));
          r = await runBulkLoader({ url: c.url, files, concurrency: parallelism, mappings, work: join(work, `loader-${flavour}`), log });
        }
        const cpu = { tool: r.cpuSeconds ?? null, search: delta(cpu0.search, processCpuSeconds(pids.search)), source: delta(cpu0.source, processCpuSeconds(pids.source)) };
        const res = { flavour, contender, run, ok: r.ok, seconds: r.seconds, docsPerSec: r.ok ? totalRows / r.seconds : null, peakRssMB: r.rssKiB != null ? r.rssKiB / 1024 : null, cpu, error: r.error };
        if (r.ok) {
          const problem = await checkDocuments(c.url, srcSock, tables, perTable, sample);
          if (problem) Object.assign(res, { ok: false, error: problem });
          if (contender === 'cutover' && !problem) mappings = await cutoverMappings(c.url, tables);
        }
        if (res.ok) console.log(`${r.seconds.toFixed(2)} s, ${fmtInt(res.docsPerSec)} docs/s, CPU ${fmtCpu(cpu)}; ${fmtInt(totalRows)} documents counted, ${sample} per table equal to their rows`);
        else {
          failed = true;
          console.log(`FAIL (${res.error})\n--- last lines of ${log}:\n${tail(log)}\n---`);
        }
        if (contender === 'cutover') res.logTail = tail(log, 6).split('\n');
        results.push(res);
      }
      await deleteIndexes(c.url, tables);
    }
    const report = summarize(results, totalRows, flavours);
    let stream = null;
    if (!opts['no-stream']) {
      stream = await runStreamHalf({ clusters, flavours, portBase, transactions: intOption(opts, 'transactions', 1), runs, keep: opts.keep });
      if (!stream.ok) failed = true;
      report.text += `\n\n${stream.report.text}`;
      Object.assign(report.ratios, stream.report.ratios);
      Object.assign(report.targets, stream.report.targets);
    }
    reportAndSave({ bench: 'search', startedAt, host, report, results: stream ? [...results, ...stream.results.map((r) => ({ half: 'stream', ...r }))] : results, ok: !failed }, {
      data: { database: DB, tables: TABLES, rowsPerTable: perTable, totalRows, stream: stream?.size ?? null },
      options: { flavours, only: contenders, parallelism, chunkRows, bulkDocs, sample, warmup, portBase },
      clusters: Object.fromEntries(flavours.map((f) => [f, clusters[f].version])),
    });
  } finally {
    if (opts.keep) console.log(`--keep: servers left running; files in ${work}`);
    else {
      for (const f of flavours) await stopSearch(clusters[f]);
      await stopInstance(inst.source, { wipe: false });
      console.log('source data kept for the next run; delete it with: node scripts/test-services.mjs stop source --prefix bench');
      rmSync(work, { recursive: true, force: true });
    }
  }
  if (failed) console.log('FAIL: a contender failed or its documents differ from the source (see above)');
  return failed ? 1 : 0;
}

/** Cutover's mapping of a sysbench table (engine/sink/elasticsearch/fields.ts), used when cutover did not run first. */
const SYSBENCH_MAPPINGS = {
  dynamic: 'strict',
  properties: { id: { type: 'long' }, k: { type: 'long' }, c: { type: 'keyword', ignore_above: 8191 }, pad: { type: 'keyword', ignore_above: 8191 } },
};

/**
 * A fresh JVM compiles its hot paths during its first bulk requests, and goes on compiling for longer than
 * a few requests: a run after 100,000 warm-up documents still cost the JVM a third more CPU than the same
 * run after it. So the warm-up goes by the JVM's CPU: rounds of `streams` concurrent bulk requests of `docs`
 * sysbench-like documents (Cutover's request shape: the same action lines, bulk path and index settings)
 * into a throwaway index, until 3 rounds in a row cost the JVM (`jvm`, its pid) the same CPU within 10%, or
 * `maxRounds`. The index is deleted afterwards. Returns the rounds made, each one's JVM CPU seconds and
 * whether they settled.
 */
async function warmUp(url, { docs, streams, maxRounds, jvm }) {
  const cpu = [];
  if (!maxRounds) return { rounds: 0, cpu, stable: false };
  const index = 'bench-warmup';
  await request(url, 'DELETE', index, undefined, [404]);
  await request(url, 'PUT', index, { settings: { index: { gc_deletes: '1h', number_of_replicas: 0, refresh_interval: '-1' } }, mappings: SYSBENCH_MAPPINGS });
  const digits = (n) => String(n).padStart(11, '0');
  const body = (from) => {
    const lines = [];
    for (let i = from; i < from + docs; i++)
      lines.push(`{"index":{"_index":"${index}","_id":"${i}"}}\n{"id":${i},"k":${(i * 7919) % 100000},"c":"${`${digits(i)}-`.repeat(10).slice(0, 119)}","pad":"${`${digits(i * 3)}-`.repeat(5).slice(0, 59)}"}\n`);
    return lines.join('');
  };
  const post = async (from) => {
    const r = await fetch(`${url}/_bulk?filter_path=errors,items.*.status,items.*.error`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: body(from) });
    const text = await r.text();
    if (!r.ok || !text.startsWith('{"errors":false')) throw new Error(`warm-up bulk request: HTTP ${r.status} ${text.slice(0, 300)}`);
  };
  let stable = false;
  let next = 1;
  for (let round = 0; round < maxRounds && !stable; round++) {
    const before = processCpuSeconds(jvm);
    await Promise.all(Array.from({ length: streams }, (_, s) => post(next + s * docs)));
    next += streams * docs;
    const after = processCpuSeconds(jvm);
    if (before == null || after == null) break;
    cpu.push(after - before);
    const last = cpu.slice(-3);
    stable = last.length === 3 && Math.max(...last) <= 1.1 * Math.min(...last);
  }
  await request(url, 'DELETE', index);
  return { rounds: cpu.length, cpu, stable };
}

const delta = (a, b) => (a != null && b != null ? b - a : null);
const fmtCpu = (c) => `${['tool', 'search', 'source'].map((k) => `${k} ${c[k] != null ? c[k].toFixed(1) : '?'}`).join(' + ')} s`;

async function deleteIndexes(url, tables) {
  for (const t of tables) await request(url, 'DELETE', encodeURIComponent(`${DB}.${t}`), undefined, [404]);
}

/** The mappings Cutover gave its indexes (the loader's indexes get the same). */
async function cutoverMappings(url, tables) {
  const out = {};
  for (const t of tables) {
    const index = `${DB}.${t}`;
    const m = await request(url, 'GET', `${encodeURIComponent(index)}/_mapping`);
    out[index] = m[index].mappings;
  }
  return out;
}

/**
 * Every index holds `perTable` documents, and `sample` documents per table (random ids) equal their rows:
 * {"id":…,"k":…,"c":"…","pad":"…"} with numbers as numbers. Returns the problem, or null.
 */
async function checkDocuments(url, sock, tables, perTable, sample) {
  for (const t of tables) {
    const index = `${DB}.${t}`;
    await request(url, 'POST', `${encodeURIComponent(index)}/_refresh`);
    const { count } = await request(url, 'GET', `${encodeURIComponent(index)}/_count`);
    if (count !== perTable) return `${index} has ${count} documents for ${perTable} rows`;
    if (!sample) continue;
    const ids = new Set();
    while (ids.size < Math.min(sample, perTable)) ids.add(1 + Math.floor(Math.random() * perTable));
    const rows = sql(sock, `SELECT id, k, c, pad FROM ${DB}.${t} WHERE id IN (${[...ids].join(',')})`);
    const docs = await request(url, 'POST', `${encodeURIComponent(index)}/_mget`, { ids: rows.map((r) => r[0]) });
    for (const [i, [id, k, c, pad]] of rows.entries()) {
      const d = docs.docs[i];
      const want = JSON.stringify({ id: Number(id), k: Number(k), c, pad });
      const got = d?.found ? JSON.stringify(d._source, ['id', 'k', 'c', 'pad']) : null;
      const keys = d?.found ? Object.keys(d._source).sort().join(',') : '';
      if (d?._id !== id || got !== want || keys !== 'c,id,k,pad') return `${index} _id ${id}: ${d?.found ? JSON.stringify(d._source) : 'no document'}, source row ${want}`;
    }
  }
  return null;
}

function summarize(results, totalRows, flavours) {
  const lines = [];
  const ratios = {};
  const targets = {};
  const cpuTotal = (c) => (c && c.tool != null && c.search != null && c.source != null ? c.tool + c.search + c.source : null);
  for (const flavour of flavours) {
    const rs = results.filter((r) => r.flavour === flavour);
    if (!rs.length) continue;
    const rows = rs.map((r) => [
      `${r.contender === 'cutover' ? 'cutover run' : 'bulk loader (curl, pre-rendered)'}${r.run > 1 || rs.some((x) => x.run > 1) ? ` #${r.run}` : ''}`,
      r.ok ? r.seconds.toFixed(2) : 'FAIL',
      r.ok ? fmtInt(r.docsPerSec) : '-',
      r.cpu?.tool != null ? r.cpu.tool.toFixed(1) : '-',
      r.cpu?.search != null ? r.cpu.search.toFixed(1) : '-',
      r.cpu?.source != null ? r.cpu.source.toFixed(1) : '-',
      cpuTotal(r.cpu) != null ? cpuTotal(r.cpu).toFixed(1) : '-',
      r.peakRssMB != null ? r.peakRssMB.toFixed(0) : '-',
    ]);
    lines.push(`${flavour}:`);
    lines.push(formatTable(['contender', 'seconds', 'docs/s', 'CPU tool', 'CPU search JVM', 'CPU mariadbd', 'CPU total', 'peak RSS MB*'], rows));
    // Each contender's fastest run (with --runs, the warm-up falls on the first runs).
    const by = {};
    for (const r of rs) if (r.ok && (!by[r.contender] || r.seconds < by[r.contender].seconds)) by[r.contender] = r;
    if (by.cutover?.ok && by.bulk?.ok) {
      const ratio = by.bulk.seconds / by.cutover.seconds;
      ratios[flavour] = ratio;
      const t = (targets[`ratioVsBulk_${flavour}`] = { target: TARGET_RATIO, value: ratio, met: ratio >= TARGET_RATIO });
      lines.push(`cutover / bulk loader = ${ratio.toFixed(2)}× (wall clock); target ≥ ${TARGET_RATIO}×: ${t.met ? 'MET' : 'MISSED'}`);
      const ct = cpuTotal(by.cutover.cpu);
      const bt = cpuTotal(by.bulk.cpu);
      if (ct && bt) lines.push(`by CPU time (all processes, the JVM and mariadbd): cutover uses ${(ct / bt).toFixed(2)}× the loader's`);
      const rss = Math.max(...rs.filter((r) => r.contender === 'cutover' && r.peakRssMB != null).map((r) => r.peakRssMB));
      if (Number.isFinite(rss)) {
        targets[`peakRssMB_${flavour}`] = { target: '< 300', value: rss, met: rss < 300 };
        lines.push(`cutover's peak RSS ${rss.toFixed(0)} MB; target < 300 MB: ${rss < 300 ? 'MET' : 'MISSED'}`);
      }
    } else lines.push(`cutover / bulk loader: not measured (a contender did not run or failed)`);
    lines.push('');
  }
  lines.push(`(${fmtInt(totalRows)} documents; CPU in seconds, user + system; *largest single process, GNU time %M; the loader's rendering is untimed)`);
  return { text: lines.join('\n'), ratios, targets };
}
