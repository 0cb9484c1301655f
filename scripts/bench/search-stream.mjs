// The stream half of `npm run bench -- search` (also `npm run bench -- search-stream` alone): a sysbench
// oltp_write_only backlog (40,000 transactions by default, 4 row changes each: two updates, a delete, an
// insert) on a throwaway MariaDB source, streamed into each flavour by `cutover run` of a "mode": "stream"
// job from the backlog's start position, until caught up (--exit-when-caught-up: reading and decoding the
// binlog, the net writes of each batch as bulk actions with external versions, one bulk request in flight,
// the position stored after each answered request; creating the four indexes is part of it).
//
// The limit, in the same run: the very bulk requests Cutover sent, recorded beforehand (an untimed pass of
// the same job through a recording HTTP proxy), posted by one curl process (keep-alive, in order, one
// request in flight, as Cutover) into the same indexes, created with the same mappings and settings. So the
// limit does the cluster's share of the work with none of Cutover's: no binlog, no decoding, no rendering.
//
// Checks after each contender: up to 10,000 documents per index, picked at random, are rows that exist on
// the source and equal them; a wrong or extra document makes the exit code 1.
import { createServer, request as httpRequest } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instances, socketOf, startInstance, stopInstance, urlOf } from '../test-services.mjs';
import { searchInstance, startSearch, stopSearch } from '../search-server.mjs';
import { countBinlogEvents, prepareSource, writeBacklog } from './backlog.mjs';
import { cutoverBuildProblem, runCutoverJob } from './cutover.mjs';
import { checkTools, fmtInt, formatTable, intOption, outcome, parseOptions, pidInFile, processCpuSeconds, sql, tail, timed } from './lib.mjs';
import { DB } from './mariadb.mjs';
import { defaultPortBase, readSharedOptions, sharedHelp, sharedOptions } from './options.mjs';
import { request } from './search-loader.mjs';

export const summary = 'a 40,000-transaction binlog backlog streamed into OpenSearch and Elasticsearch 7: cutover vs curl posting the same bulk requests';

const FLAVOURS = ['opensearch', 'elasticsearch'];
const TARGET_RATIO = 0.8;
const TABLES = 4;
/** The source of the stream half: its own MariaDB (the backlog rewrites the tables) at port base + 11. */
const SOURCE_OFFSET = 10;
/** The recording proxy listens at port base + 90. */
const PROXY_OFFSET = 90;
const DEFAULT_PORT_BASE = defaultPortBase(33560);

const HELP = `Usage: npm run bench -- search-stream [options]

Writes a sysbench oltp_write_only backlog on a throwaway MariaDB source (port base + ${SOURCE_OFFSET + 1}) and streams it
into OpenSearch 2.19.1 (port base + 80) and Elasticsearch 7.17.10 (port base + 82) with \`cutover run\`
(mode stream, until caught up), against curl posting the very bulk requests Cutover sent (recorded
beforehand through a proxy at port base + ${PROXY_OFFSET}), in order, one in flight. Prints events/s, the ratio
and Cutover's peak RSS.

Options:
  --transactions N     backlog transactions (default 40000)
  --table-size N       rows per sysbench table (default 25000)
  --flavours LIST      opensearch, elasticsearch or both (default both)
  --runs R             timed runs of each contender per flavour (default 1); the order alternates
${sharedHelp(['port-base', 'keep'], { ports: `N+${SOURCE_OFFSET + 1} source, N+80/81 OpenSearch, N+82/83 Elasticsearch, N+${PROXY_OFFSET} proxy`, defaultPortBase: DEFAULT_PORT_BASE })}
  -h, --help           this help
`;

export async function main(argv) {
  const { opts, exit } = parseOptions(
    argv,
    {
      transactions: { type: 'string', default: '40000' },
      'table-size': { type: 'string', default: '25000' },
      flavours: { type: 'string', default: FLAVOURS.join(',') },
      runs: { type: 'string', default: '1' },
      ...sharedOptions(['port-base', 'keep']),
    },
    HELP,
  );
  if (!opts) return exit;
  const { portBase, keep } = readSharedOptions(opts, { portBaseDefault: DEFAULT_PORT_BASE });
  const flavours = opts.flavours.split(',').map((s) => s.trim());
  if (flavours.some((f) => !FLAVOURS.includes(f))) {
    console.error(`--flavours: use ${FLAVOURS.join(', ')}`);
    return 1;
  }
  if (!checkTools(['sysbench', 'curl', 'mariadb'], 'sudo apt-get install -y sysbench curl mariadb-client')) return 1;
  const build = cutoverBuildProblem();
  if (build?.fatal) {
    console.error(build.message);
    return 1;
  }
  if (build) console.warn(`warning: ${build.message}`);
  const clusters = Object.fromEntries(flavours.map((f) => [f, searchInstance(f, 'bench', portBase)]));
  try {
    for (const f of flavours) clusters[f].version = (await startSearch(clusters[f])).version;
    const r = await runStreamHalf({ clusters, flavours, portBase, transactions: intOption(opts, 'transactions', 1), tableSize: intOption(opts, 'table-size', 100), runs: intOption(opts, 'runs', 1), keep });
    return r.ok ? 0 : 1;
  } finally {
    if (!keep) for (const f of flavours) await stopSearch(clusters[f]);
  }
}

/**
 * The stream half on running clusters (`clusters`: flavour → search instance with its version): prints
 * its table and returns { ok, results, report } (report: text, ratios, targets).
 */
export async function runStreamHalf({ clusters, flavours, portBase, transactions = 40_000, tableSize = 25_000, runs = 1, keep = false }) {
  const inst = instances('bench-sstream', portBase + SOURCE_OFFSET);
  const sock = socketOf(inst.source);
  const work = mkdtempSync(join(tmpdir(), 'cutover-bench-sstream-'));
  const size = { events: transactions, tables: TABLES, tableSize, threads: 4 };
  const tables = Array.from({ length: TABLES }, (_, i) => `sbtest${i + 1}`);
  const changes = transactions * 4;
  const results = [];
  let ok = true;
  try {
    console.log(`\nthe stream half: starting ${inst.source.name} (${inst.source.port})…`);
    await startInstance(inst.source);
    await prepareSource(inst.source, sock, size, work);
    const [[sf, sp]] = sql(sock, 'SHOW MASTER STATUS');
    const start = { file: sf, pos: Number(sp) };
    const backlog = await writeBacklog(inst.source, size, join(work, 'backlog.log'));
    const [[ef, ep]] = sql(sock, 'SHOW MASTER STATUS');
    const counts = await countBinlogEvents(sock, start, { file: ef, pos: Number(ep) });
    console.log(`backlog: ${fmtInt(counts.transactions)} transactions, ${fmtInt(counts.rowEvents)} row events (${fmtInt(changes)} row changes), written in ${backlog.seconds.toFixed(1)} s`);
    const job = (name, url) => ({
      name,
      source: { url: urlOf(inst.source) },
      sink: { type: 'elasticsearch', url },
      tables: { include: [`${DB}.*`] },
      mode: 'stream',
      stream: { start },
    });
    const args = ['--exit-when-caught-up', '--skip-preflight', '--quiet'];
    let recorded = null;
    for (const flavour of flavours) {
      const c = clusters[flavour];
      console.log(`into ${flavour} ${c.version} (${c.url}):`);
      if (!recorded) {
        // Untimed: the same job through the recording proxy, for the limit's bodies and the indexes' definitions.
        await deleteIndexes(c.url, tables);
        const proxy = await recordingProxy(c.url, portBase + PROXY_OFFSET, join(work, 'bodies'));
        const dir = join(work, 'record');
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const r = await runCutoverJob(job('bench-sstream-record', proxy.url), dir, join(dir, 'cutover.log'), args).finally(() => proxy.close());
        if (!r.ok) throw new Error(`the recording pass failed: ${r.error}\n${tail(join(dir, 'cutover.log'))}`);
        recorded = { files: proxy.files, indexes: await indexDefinitions(c.url, tables) };
        const actions = proxy.actions;
        console.log(`  (recorded ${fmtInt(proxy.files.length)} bulk requests, ${fmtInt(actions)} actions for ${fmtInt(changes)} row changes, untimed)`);
      }
      const order = Array.from({ length: runs }, (_, i) => (i % 2 ? ['curl', 'cutover'] : ['cutover', 'curl']).map((who) => ({ who, run: i + 1 }))).flat();
      for (const { who, run } of order) {
        await deleteIndexes(c.url, tables);
        const dir = join(work, `${who}-${flavour}-${run}`);
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const log = join(dir, `${who}.log`);
        process.stdout.write(`  ${who.padEnd(8)} ${runs > 1 ? `run ${run} ` : ''}… `);
        const pid = pidInFile(join(c.dir, 'server.pid'));
        const cpu0 = processCpuSeconds(pid);
        const r = who === 'cutover' ? await runCutoverJob(job(`bench-sstream-${flavour}`, c.url), dir, log, args) : await replay(c.url, recorded, dir, log);
        const jvm = cpu0 != null ? processCpuSeconds(pid) - cpu0 : null;
        const res = { flavour, who, run, ok: r.ok, seconds: r.seconds, eventsPerSec: r.ok ? changes / r.seconds : null, peakRssMB: r.rssKiB != null ? r.rssKiB / 1024 : null, cpu: { tool: r.cpuSeconds ?? null, search: jvm }, error: r.error };
        if (r.ok) {
          const problem = await checkDocuments(c.url, sock, tables);
          if (problem) Object.assign(res, { ok: false, error: problem });
        }
        ok &&= res.ok;
        if (res.ok) console.log(`${r.seconds.toFixed(2)} s, ${fmtInt(res.eventsPerSec)} events/s, CPU tool ${res.cpu.tool?.toFixed(1) ?? '?'} s + search JVM ${jvm?.toFixed(1) ?? '?'} s; documents equal to their rows`);
        else console.log(`FAIL (${res.error})\n--- last lines of ${log}:\n${tail(log)}\n---`);
        results.push(res);
      }
      await deleteIndexes(c.url, tables);
    }
    const report = summarize(results, flavours, changes);
    console.log('\n' + report.text);
    return { ok, results, report, size: { transactions, tableSize, changes } };
  } finally {
    if (keep) console.log(`--keep: ${inst.source.name} left running; files in ${work}`);
    else {
      await stopInstance(inst.source).catch(() => undefined);
      rmSync(work, { recursive: true, force: true });
    }
  }
}

function summarize(results, flavours, changes) {
  const lines = [];
  const ratios = {};
  const targets = {};
  for (const flavour of flavours) {
    const rs = results.filter((r) => r.flavour === flavour);
    if (!rs.length) continue;
    lines.push(`stream into ${flavour}:`);
    lines.push(
      formatTable(
        ['contender', 'seconds', 'events/s', 'CPU tool', 'CPU search JVM', 'peak RSS MB*'],
        rs.map((r) => [`${r.who === 'cutover' ? 'cutover run (stream)' : 'curl, the same bulk requests'}${rs.some((x) => x.run > 1) ? ` #${r.run}` : ''}`, r.ok ? r.seconds.toFixed(2) : 'FAIL', r.ok ? fmtInt(r.eventsPerSec) : '-', r.cpu.tool?.toFixed(1) ?? '-', r.cpu.search?.toFixed(1) ?? '-', r.peakRssMB?.toFixed(0) ?? '-']),
      ),
    );
    const by = {}; // each contender's fastest run
    for (const r of rs) if (r.ok && (!by[r.who] || r.seconds < by[r.who].seconds)) by[r.who] = r;
    if (by.cutover?.ok && by.curl?.ok) {
      const ratio = by.curl.seconds / by.cutover.seconds;
      ratios[`stream_${flavour}`] = ratio;
      targets[`streamRatioVsCurl_${flavour}`] = { target: TARGET_RATIO, value: ratio, met: ratio >= TARGET_RATIO };
      lines.push(`cutover / curl of the same bulk requests = ${ratio.toFixed(2)}× (wall clock); target ≥ ${TARGET_RATIO}×: ${ratio >= TARGET_RATIO ? 'MET' : 'MISSED'}`);
      const rss = Math.max(...rs.filter((r) => r.who === 'cutover' && r.peakRssMB != null).map((r) => r.peakRssMB));
      if (Number.isFinite(rss)) {
        targets[`streamPeakRssMB_${flavour}`] = { target: '< 300', value: rss, met: rss < 300 };
        lines.push(`cutover's peak RSS ${rss.toFixed(0)} MB; target < 300 MB: ${rss < 300 ? 'MET' : 'MISSED'}`);
      }
    } else lines.push('cutover / curl: not measured (a contender failed)');
    lines.push('');
  }
  lines.push(`(${fmtInt(changes)} row changes; events/s = row changes / seconds; CPU seconds user + system; *GNU time %M)`);
  return { text: lines.join('\n'), ratios, targets };
}

/**
 * An HTTP proxy to `target` on 127.0.0.1:`port` that passes every request through and writes the body of
 * each `_bulk` request to DIR/NNNNNN.ndjson, in order (Cutover's stream sends one at a time).
 */
async function recordingProxy(target, port, dir) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = [];
  let actions = 0;
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.method === 'POST' && /\/_bulk(\?|$)/.test(req.url)) {
        const f = join(dir, `${String(files.length).padStart(6, '0')}.ndjson`);
        writeFileSync(f, body);
        files.push(f);
        for (const line of body.toString('utf8').split('\n')) if (/^\{"(index|delete)":/.test(line)) actions++;
      }
      const headers = { ...req.headers, host: upstream.host };
      const up = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      up.on('error', (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      up.end(body);
    });
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    files,
    get actions() {
      return actions;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Each index's mappings and the settings Cutover gave it (the ones a user may set, no internal ones). */
async function indexDefinitions(url, tables) {
  const out = {};
  for (const t of tables) {
    const index = `${DB}.${t}`;
    const e = encodeURIComponent(index);
    const m = await request(url, 'GET', `${e}/_mapping`);
    const s = await request(url, 'GET', `${e}/_settings`);
    const set = s[index].settings.index;
    const keep = Object.fromEntries(Object.entries(set).filter(([k]) => ['number_of_shards', 'number_of_replicas', 'refresh_interval', 'gc_deletes'].includes(k)));
    out[index] = { settings: { index: keep }, mappings: m[index].mappings };
  }
  return out;
}

/**
 * Timed: the indexes created as Cutover's (side by side, as its schema phase creates them), then the recorded
 * bodies posted in order by one keep-alive curl, on Cutover's bulk path (BULK_PATH: each item's status and error).
 */
async function replay(url, recorded, dir, log) {
  const create = Object.entries(recorded.indexes).map(([index, def], i) => {
    const body = join(dir, `index-${i}.json`);
    writeFileSync(body, JSON.stringify(def));
    return `curl -sSf -o /dev/null -XPUT -H 'Content-Type: application/json' '${url}/${encodeURIComponent(index)}' --data-binary '@${body}'`;
  });
  const lines = [];
  const resp = join(dir, 'responses');
  mkdirSync(resp, { recursive: true });
  recorded.files.forEach((f, i) => {
    if (lines.length) lines.push('next');
    lines.push(`url = "${url}/_bulk?filter_path=errors,items.*.status,items.*.error"`, 'request = "POST"', 'header = "Content-Type: application/x-ndjson"', `data-binary = "@${f}"`, `output = "${join(resp, `${i}.json`)}"`, 'silent', 'show-error', 'fail');
  });
  const cfg = join(dir, 'curl.cfg');
  writeFileSync(cfg, lines.join('\n') + '\n');
  const created = `pids=(); ${create.map((c) => `${c} & pids+=($!);`).join(' ')} for p in "\${pids[@]}"; do wait "$p"; done`;
  return outcome(await timed('bash', ['-c', `set -e; ${created}; curl -K '${cfg}'`], { log, rssFile: join(dir, 'curl.rss') }));
}

async function deleteIndexes(url, tables) {
  for (const t of tables) await request(url, 'DELETE', encodeURIComponent(`${DB}.${t}`), undefined, [404]);
}

/** After a run: up to 10,000 random documents per index are rows that exist and equal them. Returns the problem, or null. */
async function checkDocuments(url, sock, tables) {
  for (const t of tables) {
    const index = `${DB}.${t}`;
    const e = encodeURIComponent(index);
    await request(url, 'POST', `${e}/_refresh`);
    const hits = await request(url, 'POST', `${e}/_search`, { size: 10000, _source: true, query: { function_score: { query: { match_all: {} }, random_score: { seed: 7, field: '_seq_no' } } } });
    const docs = hits.hits.hits;
    if (!docs.length) return `${index} has no documents`;
    const ids = docs.map((d) => Number(d._id));
    const rows = new Map(sql(sock, `SELECT id, k, c, pad FROM ${DB}.${t} WHERE id IN (${ids.join(',')})`).map((r) => [r[0], r]));
    let compared = 0;
    for (const d of docs) {
      const row = rows.get(d._id);
      if (!row) return `${index} has the document _id ${d._id}, but the source has no such row`;
      const want = JSON.stringify({ id: Number(row[0]), k: Number(row[1]), c: row[2], pad: row[3] });
      const got = JSON.stringify(d._source, ['id', 'k', 'c', 'pad']);
      if (got !== want) return `${index} _id ${d._id}: ${JSON.stringify(d._source)}, source row ${want}`;
      if (++compared >= 10000) break;
    }
  }
  return null;
}
