// `cutover verify` and `--repair-from` against a search sink, with the real CLI on real servers
// (scripts/search-server.mjs; a server that cannot start fails the file):
//   - OpenSearch: the exactness corpus (test/fixtures/types.sql, as search-copy copies it) verifies equal
//     with 100-row chunks; then documents are changed behind Cutover's back over HTTP, on their raw
//     `_source` text (a BIGINT UNSIGNED's last digit, a DECIMAL's last place, a microsecond, a big integer
//     inside a JSON column, base64 bytes, a text character), one document deleted and one added: exit 1,
//     each named by its key with exactly the changed field (values on both sides), the deleted one
//     missing, the added one extra; --repair-from re-indexes and deletes them, and verify passes again;
//   - Elasticsearch 7: the same on four tables (a changed big integer in a JSON column, a deleted and an
//     added document), repaired (the repair's own re-check verifies the tables again).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, describeRun, exec, q, runCliWithTimeout, sourceUrl, tempDir, uniqueName, writeJob, type CliResult } from '../helpers/db.js';
import { NOT_IN_CORPUS, searchJob, searchRequest, startSearchServers, stopSearchServer, type Flavour, type SearchInstance } from '../helpers/search.js';
import { runVerify, verifyReport } from '../helpers/verify.js';
import type { VerifyReport } from '../../shared/verify.js';

const RUN_TIMEOUT_MS = 8 * 60_000;
const enc = encodeURIComponent;

/** A document's `_source` as the cluster stores it (text, so no digit is rounded). */
async function rawSource(inst: SearchInstance, index: string, id: string): Promise<string> {
  const r = await fetch(`${inst.url}/${enc(index)}/_source/${enc(id)}`);
  assert.equal(r.status, 200, `${index}/${id}: ${await r.clone().text()}`);
  return r.text();
}

/** Replaces a document by this text (a write Cutover does not know of), refreshed at once. */
async function putRaw(inst: SearchInstance, index: string, id: string, text: string): Promise<void> {
  const r = await fetch(`${inst.url}/${enc(index)}/_doc/${enc(id)}?refresh=true`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: text });
  assert.ok(r.status < 300, `PUT ${index}/${id}: ${r.status} ${await r.text()}`);
}

/** Changes one string field of a document in its raw text; returns [old, new]. */
async function changeString(inst: SearchInstance, index: string, id: string, field: string, change: (v: string) => string): Promise<[string, string]> {
  const text = await rawSource(inst, index, id);
  const old = (JSON.parse(text) as Record<string, unknown>)[field];
  assert.equal(typeof old, 'string', `${index}/${id}.${field} is ${JSON.stringify(old)}`);
  const now = change(old as string);
  const from = `${JSON.stringify(field)}:${JSON.stringify(old)}`;
  assert.ok(text.includes(from) && now !== old, `${index}/${id}: ${from} not in ${text.slice(0, 200)}`);
  await putRaw(inst, index, id, text.replace(from, `${JSON.stringify(field)}:${JSON.stringify(now)}`));
  return [old as string, now];
}

/** The last digit of a text, one up (9 → 0). */
const lastDigitUp = (s: string): string => s.replace(/(\d)(\D*)$/, (_, d: string, rest: string) => `${(Number(d) + 1) % 10}${rest}`);

async function deleteDoc(inst: SearchInstance, index: string, id: string): Promise<void> {
  const r = await searchRequest(inst, 'DELETE', `${enc(index)}/_doc/${enc(id)}?refresh=true`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

const notMatching = (r: VerifyReport): string[] => r.tables.filter((t) => t.state !== 'match').map((t) => `${t.table}: ${t.state} ${t.error ?? JSON.stringify(t.mismatches.slice(0, 3))}`);

/** Each differing table's mismatches as [kind, key, changed fields]. */
function found(r: VerifyReport, db: string): Map<string, [string, Record<string, string | null>, string[]][]> {
  return new Map(r.tables.filter((t) => t.state !== 'match').map((t) => [t.table.slice(db.length + 1), t.mismatches.map((m) => [m.kind, m.key, (m.columns ?? []).map((c) => c.name)] as [string, Record<string, string | null>, string[]])]));
}

const servers = new Map<Flavour, SearchInstance>();

after(async () => {
  for (const inst of servers.values()) await stopSearchServer(inst);
});

async function setUp(flavour: Flavour, srcDb: string, dir: string, include: string[], exclude: string[] = []): Promise<{ job: string; state: string; inst: SearchInstance }> {
  const inst = servers.get(flavour);
  assert.ok(inst, `the ${flavour} server is not up`);
  const job = writeJob(dir, searchJob(uniqueName(`sv_${flavour}`), inst, include, exclude, { chunkRows: 10_000, parallelism: 2 }), `${flavour}.json`);
  const state = join(dir, `${flavour}.db`);
  const run = await runCliWithTimeout(['run', job, '--state', state, '--quiet'], RUN_TIMEOUT_MS);
  assert.equal(run.code, 0, describeRun(run));
  return { job, state, inst };
}

describe('cutover verify: MariaDB source, search sink', { timeout: 30 * 60_000 }, () => {
  const srcDb = uniqueName('esv');
  const dir = tempDir('cutover-searchverify-');
  const ix = (table: string): string => `${srcDb}.${table}`;

  before(async () => {
    const sql = readFileSync(join(ROOT, 'test/fixtures/types.sql'), 'utf8');
    await exec(sourceUrl(), `CREATE DATABASE ${q(srcDb)} CHARACTER SET utf8mb4; USE ${q(srcDb)};\n${sql}`);
    // Both flavours side by side (or the lane's servers an earlier search file left up).
    for (const [f, inst] of await startSearchServers()) servers.set(f, inst);
  }, { timeout: 15 * 60_000 });

  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`).catch(() => undefined);
    for (const inst of servers.values()) await searchRequest(inst, 'DELETE', `${srcDb}.*`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  describe('OpenSearch: the exactness corpus', () => {
    let os: { job: string; state: string; inst: SearchInstance };
    let differing: VerifyReport | null = null;
    const verify = (...args: string[]): Promise<CliResult> => runVerify(os.job, os.state, args, RUN_TIMEOUT_MS);

    before(async () => {
      os = await setUp('opensearch', srcDb, dir, [`${srcDb}.*`], NOT_IN_CORPUS.map((t) => `${srcDb}.${t}`));
    }, { timeout: 15 * 60_000 });


    it('every table of the corpus matches, in 100-row chunks', async () => {
      const res = await verify('--json', '--chunk-rows', '100');
      const r = verifyReport(res);
      assert.deepEqual(notMatching(r), []);
      assert.equal(res.code, 0, describeRun(res));
      assert.equal(r.state, 'pass');
      assert.equal(r.sinkType, 'elasticsearch');
      assert.equal(r.repair.available, true);
      assert.ok(r.tables.length >= 37, `only ${r.tables.length} tables verified`);
      assert.ok(r.tables.filter((t) => t.chunks > 3).length >= 5, 'keyed tables should span several 100-row chunks');
      assert.equal(r.summary.rowsSource, r.summary.rowsSink);
      assert.equal(r.tables.find((t) => t.table === ix('t_int'))?.sink, ix('t_int'), 'the sink is named by its index');
    });

    it('documents changed over HTTP are named by key with exactly the changed field; a deleted one missing, an added one extra', async () => {
      const inst = os.inst;
      const biu = await changeString(inst, ix('t_int'), '2', 'biu', lastDigitUp);
      const dec = await changeString(inst, ix('t_decimal'), '3', 'd65', lastDigitUp);
      const micro = await changeString(inst, ix('t_datetime'), '5', 'dt6', lastDigitUp);
      const bytes = await changeString(inst, ix('t_binary'), '5', 'vb', (v) => Buffer.from(Buffer.from(v, 'base64').map((b, i, a) => (i === a.length - 1 ? b ^ 1 : b))).toString('base64'));
      const char = await changeString(inst, ix('t_latin1'), '1', 'l', (v) => `${v.slice(0, -1)}${v.endsWith('x') ? 'y' : 'x'}`);
      const json = await rawSource(inst, ix('t_json'), '2');
      assert.ok(json.includes('18446744073709551615'), json);
      await putRaw(inst, ix('t_json'), '2', json.replace('18446744073709551615', '18446744073709551614'));
      await deleteDoc(inst, ix('t_big_unsigned_pk'), '18446744073709551615');
      await putRaw(inst, ix('t_pk_double'), '12345.5', '{"d":12345.5,"f":12345.5}');

      const res = await verify('--json', '--chunk-rows', '100');
      assert.equal(res.code, 1, describeRun(res));
      const r = verifyReport(res);
      assert.equal(r.state, 'fail');
      const byTable = found(r, srcDb);
      assert.deepEqual(
        Object.fromEntries(byTable),
        {
          t_int: [['different', { id: '2' }, ['biu']]],
          t_decimal: [['different', { id: '3' }, ['d65']]],
          t_datetime: [['different', { id: '5' }, ['dt6']]],
          t_binary: [['different', { id: '5' }, ['vb']]],
          t_latin1: [['different', { id: '1' }, ['l']]],
          t_json: [['different', { id: '2' }, ['j']]],
          t_big_unsigned_pk: [['missing', { id: '18446744073709551615' }, []]],
          t_pk_double: [['extra', { d: '12345.5' }, []]],
        },
      );
      const col = (table: string): { name: string; source: string | null; sink: string | null } => r.tables.find((t) => t.table === ix(table))!.mismatches[0]!.columns![0]!;
      assert.deepEqual(col('t_int'), { name: 'biu', source: biu[0], sink: biu[1] });
      assert.deepEqual(col('t_int').source, '18446744073709551615');
      assert.deepEqual(col('t_decimal'), { name: 'd65', source: dec[0], sink: dec[1] });
      assert.deepEqual(col('t_datetime'), { name: 'dt6', source: micro[0], sink: micro[1] });
      assert.deepEqual(col('t_binary'), { name: 'vb', source: bytes[0], sink: bytes[1] });
      assert.deepEqual(col('t_latin1'), { name: 'l', source: char[0], sink: char[1] });
      assert.match(col('t_json').source!, /18446744073709551615/);
      assert.equal(col('t_json').sink, col('t_json').source!.replace('18446744073709551615', '18446744073709551614'));
      const t = (name: string): VerifyReport['tables'][number] => r.tables.find((x) => x.table === ix(name))!;
      assert.equal(t('t_big_unsigned_pk').mismatches[0]!.values?.label, 'max');
      assert.deepEqual(t('t_pk_double').mismatches[0]!.values, { d: '12345.5', f: '12345.5' });
      assert.equal(t('t_big_unsigned_pk').rowsSink, t('t_big_unsigned_pk').rowsSource - 1);
      assert.equal(t('t_pk_double').rowsSink, t('t_pk_double').rowsSource + 1);
      differing = r;
    });

    it('--repair-from re-indexes the named documents from the source and deletes the extra one; verify passes again', async () => {
      assert.ok(differing, 'the previous test found the differing documents');
      const res = await verify('--repair-from', String(differing.id), '--json');
      assert.equal(res.code, 0, describeRun(res));
      const r = verifyReport(res);
      assert.equal(r.repairOf, differing.id);
      assert.deepEqual(notMatching(r), []);
      for (const t of differing.tables.filter((x) => x.state === 'mismatch')) assert.equal(r.tables.find((x) => x.table === t.table)?.repaired?.rows, 1, t.table);
      assert.equal((await searchRequest(os.inst, 'GET', `${enc(ix('t_pk_double'))}/_doc/12345.5`)).status, 404, 'the extra document is gone');
      assert.match(await rawSource(os.inst, ix('t_json'), '2'), /18446744073709551615/);
      const all = await verify('--json');
      assert.equal(all.code, 0, describeRun(all));
      assert.deepEqual(notMatching(verifyReport(all)), []);
    });
  });

  it('Elasticsearch 7: a changed JSON big integer, a deleted and an added document named; repair; verify passes', { timeout: 15 * 60_000 }, async () => {
    const tables = ['t_int', 't_json', 't_pk_double', 't_big_unsigned_pk'];
    const es = await setUp('elasticsearch', srcDb, dir, tables.map(ix));
    const verify = (...args: string[]): Promise<CliResult> => runVerify(es.job, es.state, args, RUN_TIMEOUT_MS);
    const json = await rawSource(es.inst, ix('t_json'), '2');
    await putRaw(es.inst, ix('t_json'), '2', json.replace('18446744073709551615', '18446744073709551614'));
    await deleteDoc(es.inst, ix('t_big_unsigned_pk'), '9007199254740993');
    await putRaw(es.inst, ix('t_pk_double'), '12345.5', '{"d":12345.5,"f":12345.5}');
    const res = await verify('--json');
    assert.equal(res.code, 1, describeRun(res));
    const r = verifyReport(res);
    assert.deepEqual(Object.fromEntries(found(r, srcDb)), {
      t_json: [['different', { id: '2' }, ['j']]],
      t_big_unsigned_pk: [['missing', { id: '9007199254740993' }, []]],
      t_pk_double: [['extra', { d: '12345.5' }, []]],
    });
    const fixed = await verify('--repair-from', String(r.id), '--json');
    assert.equal(fixed.code, 0, describeRun(fixed));
    assert.deepEqual(notMatching(verifyReport(fixed)), []);
  });
});
