// Web mode (`cutover ui`) against real MariaDB: the token, Host and Origin guards, and a job driven
// through the API: start, progress and chart points, pause, resume, stop, errors that stay until
// dismissed, retry of a failed table and re-copy of a finished one.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { ApiEvent, JobStatus } from '../../shared/api.js';
import { checksum, exec, jobSpec, query, sinkUrl, sourceUrl, tempDir, uniqueName } from '../helpers/db.js';
import { waitFor } from '../helpers/stream-cli.js';
import { startUi, type RunningUi } from '../helpers/ui.js';

const DB = uniqueName('ui');
const ROWS = 60_000;

async function raw(ui: RunningUi, path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
  return fetch(`${ui.url}${path.replace(/^\//, '')}`, { redirect: 'manual', ...init });
}

/** The status of a POST with a chosen Host header (fetch does not let a caller set Host). */
function withHost(ui: RunningUi, host: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: ui.port, path: '/api/call/listJobs', method: 'POST', headers: { ...headers, Host: host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end('{"args":[]}');
  });
}

/** A GET with a chosen Host header (the dashboard's *.localhost name, which Node does not resolve). */
function onHost(ui: RunningUi, host: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: ui.port, path, headers: { ...headers, Host: host } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function events(ui: RunningUi, headers: Record<string, string>, watch: string[] = []): Promise<{ ws: WebSocket; seen: ApiEvent[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${ui.port}/api/events`, { headers });
    const seen: ApiEvent[] = [];
    ws.on('message', (d) => seen.push(JSON.parse(String(d)) as ApiEvent));
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'watch', jobs: watch }));
      resolve({ ws, seen });
    });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`refused: HTTP ${res.statusCode}`)));
    ws.on('error', reject);
  });
}

describe('cutover ui', () => {
  let ui: RunningUi;
  const dir = tempDir();
  const job = `${DB}-job`;

  before(async () => {
    await exec(
      sourceUrl(),
      `CREATE DATABASE ${DB}; USE ${DB}; CREATE TABLE ${DB}.items (id INT PRIMARY KEY, name VARCHAR(100), note TEXT);
       INSERT INTO ${DB}.items SELECT seq, CONCAT('item ', seq), REPEAT('x', 200) FROM seq_1_to_${ROWS};
       CREATE TABLE ${DB}.small (id INT PRIMARY KEY, v INT); INSERT INTO ${DB}.small SELECT seq, seq FROM seq_1_to_500;`,
    );
    ui = await startUi(join(dir, 'state.db'));
  });

  after(async () => {
    await ui?.stop();
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${DB}`);
    await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${DB}`);
  });

  it('refuses requests without the token, from other hosts and from other origins', async () => {
    assert.equal((await raw(ui, '/')).status, 401, 'the page without a token');
    assert.equal((await raw(ui, '/?token=wrong')).status, 401, 'a wrong token');
    const noToken = await raw(ui, '/api/call/listJobs', { method: 'POST', body: '{"args":[]}' });
    assert.equal(noToken.status, 401);
    const body = (await noToken.json()) as { ok: boolean; error: { message: string } };
    assert.equal(body.ok, false);
    assert.match(body.error.message, /token/);
    const auth = { Authorization: `Bearer ${ui.token}` };
    assert.equal((await raw(ui, '/api/call/listJobs', { method: 'POST', body: '{"args":[]}', headers: { ...auth, Origin: 'http://evil.example' } })).status, 403, 'a foreign Origin');
    assert.equal(await withHost(ui, 'evil.example', auth), 403, 'a rebinding Host');
    const oldOrigin = await raw(ui, '/api/call/listJobs', { method: 'POST', body: '{"args":[]}', headers: { ...auth, Origin: `http://127.0.0.1:${ui.port}` } });
    assert.equal(oldOrigin.status, 403, 'a page on 127.0.0.1 is not the dashboard (it lives on its own *.localhost name)');
    assert.equal(await withHost(ui, new URL(ui.pageUrl).host, auth), 200, 'its own *.localhost name');
    assert.equal(await withHost(ui, `127.0.0.1:${ui.port}`, auth), 200, 'its own Host');
    const denied = await raw(ui, '/api/call/listJobs', { method: 'POST', body: '{"args":[]}', headers: { ...auth, Origin: 'http://evil.example' } });
    assert.equal(denied.headers.get('access-control-allow-origin'), null, 'no CORS header, ever');
    await assert.rejects(events(ui, {}), /401/, 'a WebSocket without the token');
    await assert.rejects(events(ui, { ...auth, Origin: 'http://evil.example' }), /401/, 'a WebSocket from another origin');
  });

  it('logs a browser in with the token as an HttpOnly cookie on its own name, and serves the page with a CSP', async () => {
    const own = new URL(ui.pageUrl).host;
    const forwarded = await raw(ui, `/?token=${ui.token}`);
    assert.equal(forwarded.status, 303, 'a login on 127.0.0.1 is forwarded');
    assert.equal(forwarded.headers.get('location'), ui.loginUrl);
    assert.equal(forwarded.headers.get('set-cookie'), null, 'no cookie for 127.0.0.1');
    const login = await onHost(ui, own, `/?token=${ui.token}`);
    assert.equal(login.status, 303);
    const cookie = login.headers['set-cookie']?.[0] ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.doesNotMatch(cookie, /Domain=/i, 'host-only');
    const pair = cookie.split(';')[0]!;
    const page = await onHost(ui, own, '/', { Cookie: pair });
    assert.equal(page.status, 200);
    assert.match(page.body, /<div id="root">/);
    assert.match(page.headers['content-security-policy'] as string, /default-src 'self'/);
    assert.match(page.headers['content-security-policy'] as string, new RegExp(`connect-src 'self' ws://${own.replace(/\./g, '\\.')}`));
    assert.equal((await onHost(ui, own, '/../../package.json', { Cookie: pair })).status, 404);
    assert.equal((await raw(ui, '/', { headers: { Cookie: pair } })).status, 401, 'the cookie counts on the dashboard name only');
  });

  it('validates API arguments and explains bad job files', async () => {
    const bad = await ui.raw('jobStatus', [42]);
    assert.equal(bad.ok, false);
    const unknown = await ui.raw('dropEverything' as never, []);
    assert.equal(unknown.ok, false);
    const invalid = await ui.raw('openJob', [{ text: '{"name": "x", "source": {}}', fileName: 'broken.json' }]);
    assert.ok(!invalid.ok && /broken\.json/.test(invalid.error.message), JSON.stringify(invalid));
  });

  it('runs a job: progress and chart points, pause, resume, stop', async () => {
    const spec = jobSpec(job, DB, { snapshot: { chunkRows: 2000, parallelism: 1, throttle: { maxRowsPerSecond: 15000 } } });
    const { name } = await ui.call('openJob', { text: JSON.stringify(spec), fileName: 'job.json' });
    assert.equal(name, job);
    const listed = await ui.call('listJobs');
    assert.equal(listed.find((j) => j.name === job)?.state, 'idle');
    const { ws, seen } = await events(ui, { Authorization: `Bearer ${ui.token}` }, [job]);
    try {
      await ui.call('start', job);
      const copying = await waitFor('the copy to make progress', 30_000, async () => {
        const s = await ui.call('jobStatus', job);
        return s.phase === 'copying' && s.rowsCopied > 0 && s.rowsCopied < ROWS ? s : null;
      });
      assert.equal(copying.state, 'running');
      await waitFor('chart points with rows/s over the WebSocket', 20_000, () =>
        seen.some((e) => e.type === 'metrics' && e.job === job && e.points.some((p) => (p.rowsPerSecond ?? 0) > 0)),
      );
      assert.ok(seen.some((e) => e.type === 'status' && e.job === job), 'status events for the watched job');

      await ui.call('pause', job);
      const paused = await ui.call('jobStatus', job);
      assert.equal(paused.state, 'paused');
      const atPause = paused.rowsCopied;
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await ui.call('jobStatus', job)).rowsCopied, atPause, 'nothing is copied while paused');
      assert.equal((await ui.call('listJobs')).find((j) => j.name === job)?.controllable, false);

      await ui.call('resume', job);
      await waitFor('the copy to finish and the stream to catch up', 60_000, async () => {
        const s = await ui.call('jobStatus', job);
        return s.phase === 'streaming' && s.stream?.caughtUp ? s : null;
      });
      await exec(sourceUrl(), `UPDATE ${DB}.small SET v = v + 1 WHERE id <= 10`);
      await waitFor('the streamed update on the sink', 30_000, async () => {
        const [r] = await query<{ v: number }>(sinkUrl(), `SELECT v FROM ${DB}.small WHERE id = 1`);
        return r?.v === 2;
      });
      const history = await ui.call('history', job, { maxPoints: 100 });
      assert.ok(history.length > 0 && history.length <= 100, `history points: ${history.length}`);
      assert.ok(history.some((p) => (p.rowsPerSecond ?? 0) > 0), 'the copy rate is in the history');

      await ui.call('stop', job);
      const stopped = await ui.call('jobStatus', job);
      assert.equal(stopped.state, 'stopped');
      assert.equal(await checksum(sinkUrl(), DB, 'items'), await checksum(sourceUrl(), DB, 'items'));
      const logs = await ui.call('logs', { job, search: 'paused by the operator' });
      assert.equal(logs.length, 1, JSON.stringify(logs));
    } finally {
      ws.close();
    }
  });

  it('keeps an error until it is dismissed, and says what to do', async () => {
    const broken = `${DB}-broken`;
    const spec = { ...jobSpec(broken, DB, { mode: 'snapshot' }), sink: { type: 'mysql', url: sinkUrl().replace(/:[^:@/]*@/, ':wrong-password@') } };
    await ui.call('openJob', { text: JSON.stringify(spec) });
    await ui.call('start', broken);
    const err = await waitFor('the failed job\'s error', 30_000, async () => (await ui.call('errors', broken))[0]);
    assert.match(err.message, /denied|password|authenticat/i);
    assert.equal((await ui.call('jobStatus', broken)).state, 'failed');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await ui.call('errors', broken)).length, 1, 'the error stays');
    await ui.call('dismissError', err.id);
    assert.equal((await ui.call('errors', broken)).length, 0);
  });

  it('re-copies one table of a finished job, and retries a failed table', async () => {
    const snap = `${DB}-snap`;
    const spec = jobSpec(snap, DB, { mode: 'snapshot', rename: { [DB]: `${DB}_snap` } });
    await ui.call('openJob', { text: JSON.stringify(spec) });
    await ui.call('start', snap);
    const done = (s: JobStatus): boolean => s.state === 'done';
    await waitFor('the snapshot job to finish', 60_000, async () => done(await ui.call('jobStatus', snap)));
    await exec(sinkUrl(), `DELETE FROM ${DB}_snap.small WHERE id > 100; INSERT INTO ${DB}_snap.small VALUES (100000, 1)`);
    const refused = await ui.raw('start', [snap]);
    assert.ok(!refused.ok && /finished/.test(refused.error.message), JSON.stringify(refused));
    await ui.call('recopyTable', snap, `${DB}.small`);
    await waitFor('the re-copy to finish', 60_000, async () => done(await ui.call('jobStatus', snap)));
    assert.equal(await checksum(sinkUrl(), `${DB}_snap`, 'small'), await checksum(sourceUrl(), DB, 'small'), 'the sink table equals the source again');

    const notFailed = await ui.raw('retryTable', [snap, `${DB}.small`]);
    assert.ok(!notFailed.ok && /has not failed/.test(notFailed.error.message));

    // A sink table too narrow for the data: the copy fails; widened by hand, the table is retried.
    const retry = `${DB}-retry`;
    await exec(sinkUrl(), `CREATE DATABASE ${DB}_retry; CREATE TABLE ${DB}_retry.small (id INT PRIMARY KEY, v TINYINT)`);
    const retrySpec = jobSpec(retry, DB, { mode: 'snapshot', rename: { [DB]: `${DB}_retry` }, tables: { include: [`${DB}.small`] }, snapshot: { onExisting: 'append' } });
    await ui.call('openJob', { text: JSON.stringify(retrySpec) });
    await ui.call('start', retry);
    const failed = await waitFor('the table to fail', 30_000, async () => (await ui.call('jobStatus', retry)).tables.find((t) => t.state === 'failed'));
    assert.match(failed.error ?? '', /range|truncat/i);
    const [left] = await query<{ n: number }>(sinkUrl(), `SELECT COUNT(*) AS n FROM ${DB}_retry.small`);
    assert.equal(Number(left?.n), 0, 'a refused batch leaves no clamped row behind');
    await exec(sinkUrl(), `ALTER TABLE ${DB}_retry.small MODIFY v INT`);
    await ui.call('retryTable', retry, `${DB}.small`);
    await waitFor('the retried table to be copied', 60_000, async () => done(await ui.call('jobStatus', retry)));
    const [a] = await query<{ n: number; s: string }>(sourceUrl(), `SELECT COUNT(*) AS n, SUM(v) AS s FROM ${DB}.small`);
    const [b] = await query<{ n: number; s: string }>(sinkUrl(), `SELECT COUNT(*) AS n, SUM(v) AS s FROM ${DB}_retry.small`);
    assert.deepEqual(b, a);
    await exec(sinkUrl(), `DROP DATABASE ${DB}_retry; DROP DATABASE IF EXISTS ${DB}_snap`);
    const streaming = await ui.raw('recopyTable', [job, `${DB}.items`]);
    assert.ok(!streaming.ok && /--resnapshot/.test(streaming.error.fix ?? ''), JSON.stringify(streaming));
  });
});
