// The limit of `npm run bench -- search`: the same documents Cutover writes, rendered beforehand (untimed)
// from the source as NDJSON bulk bodies, then posted by curl, one keep-alive curl process per concurrent
// request stream (`curl -K` of a config naming each body with --data-binary), into an index created with
// the mappings and copy settings Cutover gave its own, and restored and refreshed afterwards, as Cutover does;
// creating the indexes is timed too, as it is in Cutover's run. The cluster's work is Cutover's request for
// request: the same action lines (a "snapshot" job's copy carries no external version), the same document
// bytes, the same bulk path (BULK_PATH: each item's status and error, which a loader that checks its items
// needs too), the same index settings (gc_deletes as Cutover sets it, refresh off, no replicas).
import { createWriteStream, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { outcome, timed } from './lib.mjs';
import { DB } from './mariadb.mjs';

/**
 * Writes the bulk bodies of `tables` into DIR/bodies: `bulkDocs` documents each, read from the source over
 * its unix socket with the `mariadb` client. A sysbench row (id INT, k INT, c CHAR(120), pad CHAR(60)) is
 * the document {"id":…,"k":…,"c":"…","pad":"…"} with `_id` its id, as Cutover's field rules render it.
 * @returns {Promise<string[]>} the body files, in order
 */
export async function renderBodies(sock, tables, dir, bulkDocs) {
  const out = join(dir, 'bodies');
  mkdirSync(out, { recursive: true });
  const files = [];
  for (const t of tables) {
    const index = JSON.stringify(`${DB}.${t}`);
    const child = spawn('mariadb', ['--no-defaults', `--socket=${sock}`, '-uroot', '-N', '-B', '--quick', '-e', `SELECT id, k, c, pad FROM ${DB}.${t} ORDER BY id`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout });
    let n = 0;
    let ws = null;
    for await (const line of lines) {
      if (n % bulkDocs === 0) {
        if (ws) await new Promise((r) => ws.end(r));
        const f = join(out, `${t}-${String(files.length).padStart(6, '0')}.ndjson`);
        files.push(f);
        ws = createWriteStream(f);
      }
      const [id, k, c, pad] = line.split('\t');
      const ok = ws.write(`{"index":{"_index":${index},"_id":"${id}"}}\n{"id":${id},"k":${k},"c":${JSON.stringify(c)},"pad":${JSON.stringify(pad)}}\n`);
      if (!ok) await new Promise((r) => ws.once('drain', r));
      n++;
    }
    if (ws) await new Promise((r) => ws.end(r));
    const code = await new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.on('close', r)));
    if (code !== 0) throw new Error(`reading ${DB}.${t} for the bulk bodies failed (mariadb exit ${code})`);
  }
  return files;
}

/**
 * Timed, as Cutover's copy: the indexes created with `mappings` (index → mappings, as Cutover made them)
 * and the copy settings (no replicas, refresh off), the bodies posted by `concurrency` curl processes
 * (body i by process i mod concurrency, in order), the settings restored and the indexes refreshed.
 */
export async function runBulkLoader({ url, files, concurrency, mappings, work, log }) {
  for (const index of Object.keys(mappings)) await request(url, 'DELETE', encodeURIComponent(index), undefined, [404]);
  mkdirSync(work, { recursive: true });
  // Timed like Cutover's: the indexes created side by side (as its schema phase creates them).
  const create = Object.entries(mappings).map(([index, m], i) => {
    const body = join(work, `index-${i}.json`);
    // Cutover's settings of an index it copies into (search-sink.ts; gc_deletes from gc-deletes.ts).
    writeFileSync(body, JSON.stringify({ settings: { index: { gc_deletes: '1h', number_of_replicas: 0, refresh_interval: '-1' } }, mappings: m }));
    return `curl -sSf -o /dev/null -XPUT -H 'Content-Type: application/json' '${url}/${encodeURIComponent(index)}' --data-binary '@${body}'`;
  });
  const resp = join(work, 'responses');
  mkdirSync(resp, { recursive: true });
  const configs = [];
  // engine/sink/elasticsearch/bulk-items.ts BULK_PATH: the answer holds each item's status and error.
  const bulkUrl = `${url}/_bulk?filter_path=errors,items.*.status,items.*.error`;
  for (let w = 0; w < concurrency; w++) {
    const lines = [];
    files.forEach((f, i) => {
      if (i % concurrency !== w) return;
      if (lines.length) lines.push('next');
      lines.push(`url = "${bulkUrl}"`, 'request = "POST"', 'header = "Content-Type: application/x-ndjson"', `data-binary = "@${f}"`, `output = "${join(resp, `${i}.json`)}"`, 'silent', 'show-error', 'fail');
    });
    if (!lines.length) continue;
    const cfg = join(work, `curl-${w}.cfg`);
    writeFileSync(cfg, lines.join('\n') + '\n');
    configs.push(cfg);
  }
  const indexes = Object.keys(mappings).map(encodeURIComponent).join(',');
  const finish = [
    `curl -sSf -XPUT -H 'Content-Type: application/json' '${url}/${indexes}/_settings' -d '{"index":{"number_of_replicas":null,"refresh_interval":null}}'`,
    `curl -sSf -XPOST '${url}/${indexes}/_refresh'`,
  ].join(' && ');
  const script = `set -e; pids=(); ${create.map((c) => `${c} & pids+=($!);`).join(' ')} for p in "\${pids[@]}"; do wait "$p"; done; pids=(); for c in ${configs.map((c) => `'${c}'`).join(' ')}; do curl -K "$c" & pids+=($!); done; for p in "\${pids[@]}"; do wait "$p"; done; ${finish}`;
  const r = outcome(await timed('bash', ['-c', script], { log, rssFile: join(work, 'loader.rss') }));
  if (r.ok) {
    const got = readdirSync(resp);
    if (got.length !== files.length) return { ...r, ok: false, error: `${got.length} bulk responses for ${files.length} bodies` };
    const bad = got.filter((f) => !/"errors":false/.test(readFileSync(join(resp, f), 'utf8')));
    if (bad.length) return { ...r, ok: false, error: `${bad.length} bulk responses with errors (e.g. ${readFileSync(join(resp, bad[0]), 'utf8').slice(0, 300)})` };
  }
  return r;
}

/** One JSON request to the cluster; the parsed answer (statuses in `ok` or 2xx), else throws. */
export async function request(url, method, path, body, ok = []) {
  const r = await fetch(`${url}/${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok && !ok.includes(r.status)) throw new Error(`${method} /${path}: HTTP ${r.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}
