// The cutover checklist's rules (which step waits for which), the fence comparison, the stored-object
// rewrite for the sink, and the report (Markdown and HTML, no secret in either).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CutoverStepId, CutoverStepState } from '../../shared/cutover.js';
import { blockedBy, buildSteps, stateOf, type StepContext } from '../../engine/cutover/steps.js';
import { fenceReached } from '../../engine/cutover/fence.js';
import { buildReport, describeEndpoint } from '../../engine/cutover/report.js';
import { rewriteStoredObject } from '../../engine/mysql/ddl-rewrite.js';
import type { CutoverStepRow } from '../../engine/state/cutover-store.js';
import { CutoverStore } from '../../engine/state/cutover-store.js';
import { StateStore } from '../../engine/state/store.js';

function ctx(states: Partial<Record<CutoverStepId, CutoverStepState>>, extra: Partial<StepContext> = {}): StepContext {
  const rows = new Map<CutoverStepId, CutoverStepRow>();
  for (const [id, state] of Object.entries(states) as [CutoverStepId, CutoverStepState][])
    rows.set(id, { step: id, state, started_at: 1, finished_at: 2, operator: 'op@host', result: { detail: null } });
  return { rows, streams: true, streaming: true, running: true, switched: false, sinkType: 'mysql', sink: { title: 'MySQL/MariaDB', deferredObjects: true }, ...extra };
}

test('steps wait for the ones before them; the fence only for a proven freeze', () => {
  assert.equal(blockedBy('lag', ctx({})), null);
  assert.match(blockedBy('lag', ctx({}, { streaming: false })) ?? '', /not streaming/);
  assert.match(blockedBy('read-only', ctx({})) ?? '', /Lag under the threshold/);
  assert.equal(blockedBy('read-only', ctx({ lag: 'done' })), null);
  assert.match(blockedBy('fence', ctx({ lag: 'done' })) ?? '', /freeze is not proven/);
  assert.match(blockedBy('fence', ctx({ lag: 'done', 'read-only': 'failed' })) ?? '', /freeze is not proven/, 'a failed freeze blocks the fence');
  assert.match(blockedBy('fence', ctx({ lag: 'done', 'read-only': 'undone' })) ?? '', /freeze is not proven/);
  assert.match(blockedBy('fence', ctx({ lag: 'done', 'read-only': 'done' }, { running: false })) ?? '', /not running/);
  assert.equal(blockedBy('fence', ctx({ lag: 'done', 'read-only': 'done' })), null);
  assert.match(blockedBy('fence', ctx({ lag: 'done', 'read-only': 'done', fence: 'done' }, { running: false, switched: true })) ?? '', /switched/, 'a stopped stream is not fenced twice');
  assert.match(blockedBy('verify', ctx({ lag: 'done', 'read-only': 'done' })) ?? '', /Fence/);
  assert.equal(blockedBy('verify', ctx({ lag: 'done', 'read-only': 'done', fence: 'done' })), null);
});

test('triggers wait until the stream has stopped for good', () => {
  const base = { lag: 'done', 'read-only': 'done', fence: 'done', verify: 'done' } as const;
  assert.match(blockedBy('deferred', ctx(base)) ?? '', /not stopped at the fence/, 'read-only is not enough: the stream still applies');
  assert.match(blockedBy('deferred', ctx(base, { running: false })) ?? '', /not stopped at the fence/, 'a job merely stopped can be started again');
  assert.equal(blockedBy('deferred', ctx(base, { running: false, switched: true })), null);
  assert.match(blockedBy('report', ctx(base, { running: false, switched: true })) ?? '', /Triggers, routines and events/);
  assert.equal(blockedBy('report', ctx({ ...base, deferred: 'done' }, { running: false, switched: true })), null);
  assert.match(blockedBy('report', ctx({ lag: 'done', fence: 'done', verify: 'done', deferred: 'done' }, { switched: true })) ?? '', /read-only, proven/, 'the freeze cannot be skipped');
});

test('what does not apply is skipped by nature: no stream (snapshot job), no stored objects (Kafka)', () => {
  const snap = ctx({}, { streams: false, streaming: false, running: false });
  assert.equal(stateOf('lag', snap), 'skipped');
  assert.equal(stateOf('fence', snap), 'skipped');
  assert.equal(blockedBy('read-only', snap), null);
  assert.equal(blockedBy('verify', ctx({ 'read-only': 'done' }, { streams: false, streaming: false, running: false })), null);
  const kafka = ctx({}, { sinkType: 'kafka', sink: { title: 'Kafka', deferredObjects: false } });
  assert.equal(stateOf('deferred', kafka), 'skipped');
  const steps = buildSteps(kafka);
  assert.match(steps.find((s) => s.id === 'deferred')!.detail ?? '', /Kafka sink has no triggers/);
});

test('each step says how to roll it back; only read-only and deferred objects can be undone', () => {
  const steps = buildSteps(ctx({ lag: 'done', 'read-only': 'done', fence: 'done', verify: 'done', deferred: 'done', report: 'done' }));
  assert.deepEqual(steps.map((s) => s.id), ['lag', 'reverse-check', 'read-only', 'fence', 'verify', 'deferred', 'reverse', 'report']);
  for (const s of steps) assert.ok(s.rollback.length > 20, `${s.id} has a rollback text`);
  assert.deepEqual(steps.filter((s) => s.canUndo).map((s) => s.id), ['read-only', 'deferred']);
  assert.equal(steps.find((s) => s.id === 'read-only')!.needsConfirmation, true);
  assert.equal(steps.find((s) => s.id === 'read-only')!.optional, false, 'the freeze is proven, never skipped');
  assert.equal(steps.find((s) => s.id === 'lag')!.operator, 'op@host');
});

test('the fence is reached by its MariaDB GTID, or by the position after it', () => {
  const mark = { position: { kind: 'mysql-binlog' as const, file: 'mysql-bin.000003', pos: 5000 }, gtid: '0-1-57' };
  assert.equal(fenceReached(mark, { file: 'mysql-bin.000003', pos: 4800, gtid: '0-1-57' }), true, 'the GTID itself: exact');
  assert.equal(fenceReached(mark, { file: 'mysql-bin.000003', pos: 4800, gtid: '0-1-56' }), false);
  assert.equal(fenceReached(mark, { file: 'mysql-bin.000003', pos: 4800, gtid: '1-1-900' }), false, 'another domain says nothing');
  assert.equal(fenceReached(mark, { file: 'mysql-bin.000003', pos: 4800, gtid: '1-1-900,0-1-60' }), true);
  assert.equal(fenceReached({ ...mark, gtid: null }, { file: 'mysql-bin.000003', pos: 5000, gtid: null }), true);
  assert.equal(fenceReached({ ...mark, gtid: null }, { file: 'mysql-bin.000002', pos: 99999, gtid: null }), false);
  assert.equal(fenceReached({ ...mark, gtid: null }, { file: 'mysql-bin.000004', pos: 4, gtid: null }), true);
});

test('stored objects: no DEFINER, qualified with the sink database, renamed tables mapped, strings untouched', () => {
  const map = (r: { db: string; table: string }) => (r.db === 'shop' && r.table === 'orders' ? { db: 'shop_v2', table: 'orders2' } : { db: r.db === 'shop' ? 'shop_v2' : r.db, table: r.table });
  const known = (r: { db: string; table: string }) => r.db === 'shop';
  assert.equal(
    rewriteStoredObject('CREATE DEFINER=`root`@`localhost` TRIGGER `t_bi` BEFORE INSERT ON `orders` FOR EACH ROW SET NEW.total = (SELECT 1 FROM `shop`.`items` LIMIT 1)', 'trigger', { db: 'shop', table: 't_bi' }, 'shop_v2', map, known),
    'CREATE TRIGGER `shop_v2`.`t_bi` BEFORE INSERT ON `shop_v2`.`orders2` FOR EACH ROW SET NEW.total = (SELECT 1 FROM `shop_v2`.`items` LIMIT 1)',
  );
  assert.equal(
    rewriteStoredObject("CREATE DEFINER=`a``b`@`%` PROCEDURE `p1`(IN x INT)\nBEGIN SELECT * FROM `shop`.`orders` WHERE 'shop.orders' = x; END", 'procedure', { db: 'shop', table: 'p1' }, 'shop_v2', map, known),
    "CREATE PROCEDURE `shop_v2`.`p1`(IN x INT)\nBEGIN SELECT * FROM `shop_v2`.`orders2` WHERE 'shop.orders' = x; END",
  );
  assert.equal(
    rewriteStoredObject('CREATE DEFINER=`root`@`localhost` FUNCTION `f`() RETURNS int(11)\nRETURN 1', 'function', { db: 'shop', table: 'f' }, 'shop', map, known),
    'CREATE FUNCTION `shop`.`f`() RETURNS int(11)\nRETURN 1',
  );
  assert.equal(
    rewriteStoredObject("CREATE DEFINER=`root`@`localhost` EVENT `e1` ON SCHEDULE EVERY 1 HOUR STARTS '2026-01-01 00:00:00' ON COMPLETION NOT PRESERVE ENABLE DO DELETE FROM `shop`.`items` WHERE 0", 'event', { db: 'shop', table: 'e1' }, 'shop_v2', map, known),
    "CREATE EVENT `shop_v2`.`e1` ON SCHEDULE EVERY 1 HOUR STARTS '2026-01-01 00:00:00' ON COMPLETION NOT PRESERVE ENABLE DO DELETE FROM `shop_v2`.`items` WHERE 0",
  );
  assert.throws(() => rewriteStoredObject('CREATE TRIGGER nonsense', 'trigger', { db: 'shop', table: 't' }, 'shop', map, known), /no ON clause|Unexpected/);
});

test('endpoints are described without secrets', () => {
  assert.equal(describeEndpoint({ url: 'mysql://app:s3cret@db.example.com:3306' }), 'mysql://app@db.example.com:3306');
  assert.equal(describeEndpoint({ profile: 'prod' }), 'saved connection “prod”');
  assert.equal(describeEndpoint({ type: 'kafka', profile: 'bus' }), 'Kafka saved connection “bus”');
  assert.equal(describeEndpoint({ type: 'kafka', brokers: ['k1:9092', 'k2:9092'] }), 'Kafka k1:9092, k2:9092');
});

test('the report: Markdown and HTML with the checklist, tables and rollback, escaped, and no password', () => {
  const store = new StateStore(':memory:');
  try {
    const job = store.upsertJob('shop<move>', {
      name: 'shop<move>',
      mode: 'snapshot+stream',
      source: { url: 'mysql://app:s3cret@10.0.0.1:3306' },
      sink: { type: 'mysql', profile: 'new-host' },
    });
    store.setJob(job.id, { started_at: Date.UTC(2026, 0, 1, 10), state: 'running', phase: 'streaming' });
    const t = store.ensureTable(job.id, { db: 'shop', table: 'orders' }, { db: 'shop_v2', table: 'orders' });
    store.setTable(t.id, { rows_copied: 1234, started_at: Date.UTC(2026, 0, 1, 10), finished_at: Date.UTC(2026, 0, 1, 10, 2), inserts: 5 });
    const steps = new CutoverStore(store);
    steps.finish(job.id, 'lag', 'done', { detail: 'The lag is 0.2 s | threshold 5 s.' }, 'alice@laptop');
    const fresh = store.job('shop<move>')!;
    const rows = steps.steps(job.id);
    const state = { job: fresh.name, source: 'mysql://app@10.0.0.1:3306', sinkType: 'mysql' as const, lagThresholdSeconds: 5, lagSeconds: 0.2, steps: buildSteps({ rows, streams: true, streaming: true, running: true, switched: false, sinkType: 'mysql', sink: { title: 'MySQL/MariaDB', deferredObjects: true } }), deferred: [], deferredSource: 'source' as const, deferredError: null, openTransactions: [], bypass: null, switched: false, complete: false };
    const r = buildReport({ store, job: fresh, state, verification: null, generatedBy: 'alice@laptop' });
    assert.match(r.markdown, /^# Cutover report: shop<move>/);
    assert.match(r.markdown, /\| shop\.orders \| shop_v2\.orders \| 1234 \| 5 \| 0 \| 0 \| — \|/);
    assert.match(r.markdown, /\| Lag under the threshold \| done \| alice@laptop \|/);
    assert.match(r.markdown, /Sink: MySQL\/MariaDB saved connection “new-host”/);
    assert.match(r.markdown, /The lag is 0\.2 s \\\| threshold 5 s\. \|/, 'a | in a table cell is escaped');
    assert.match(r.markdown, /## Rollback/);
    assert.match(r.markdown, /Write freeze: \*\*not proven\*\* \(step pending\)/);
    assert.match(r.markdown, /Final verification: \*\*not run\*\*/);
    assert.match(r.markdown, /Checklist: \*\*not complete\*\*/);
    assert.doesNotMatch(r.markdown, /\bpass\b|Checklist: complete|every step done/, 'nothing unproven is called complete or a pass');
    assert.match(r.markdown, /\| Copy \| 2026-01-01 10:00:00 UTC \| 2026-01-01 10:02:00 UTC \| 2 min 0 s \|/);
    assert.match(r.html, /<h1>Cutover report: shop&lt;move&gt;<\/h1>/);
    assert.match(r.html, /<td class="num">1,234<\/td>/);
    for (const text of [r.markdown, r.html]) assert.ok(!text.includes('s3cret'), 'no password in the report');
  } finally {
    store.close();
  }
});
