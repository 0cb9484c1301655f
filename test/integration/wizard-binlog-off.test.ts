// The wizard on a real source with the binlog off (a MariaDB of its own, started without --log-bin): the
// Preflight step's checks refuse it for a streaming job and pass it for a copy-only one, the report says
// it may go on as a copy-only job, and the draft then passes the Preflight and Options steps.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { WizardService } from '../../engine/host/wizard-service.js';
import { StateStore } from '../../engine/state/store.js';
import type { ProfileSummary } from '../../shared/profiles.js';
import { copyOnlyWouldPass, emptyDraft, validateStep, type WizardContext, type WizardDraft } from '../../shared/wizard.js';
import { startBinlogOffServer, type BinlogOffServer } from '../helpers/binlog-off-server.js';
import { tempDir } from '../helpers/db.js';
import { sinkKinds } from '../../engine/sink/registry.js';


const legacy: ProfileSummary = {
  profile: { kind: 'mysql', name: 'legacy', host: '127.0.0.1', port: 3306, user: 'cutover', tls: { mode: 'disabled' } },
  has: { password: true, sshPassword: false, sshPassphrase: false },
  updatedAt: 0,
  lastTest: null,
  description: 'cutover@127.0.0.1:3306',
};

describe('the wizard on a source with the binlog off', () => {
  let server: BinlogOffServer | undefined;
  let url: string;
  let store: StateStore;
  let wizard: WizardService;

  before(async () => {
    // Its own port, 50 above the suite's base (the source is base + 1).
    server = await startBinlogOffServer('nobinlog', 49, 9);
    url = server.url;
    store = new StateStore(join(tempDir(), 'state.db'));
    wizard = new WizardService({
      store,
      cipher: { encrypt: (s) => s, decrypt: (s) => s },
      connections: {
        list: () => [legacy],
        openMysql: async () => ({ url, close: async () => undefined }),
        endpoint: () => ({ fragment: { profile: 'legacy' }, env: [] }),
      },
      addAndStart: async () => ({ name: 'unused' }),
    });
  });
  after(async () => {
    store?.close();
    await server?.stop();
  });

  const ctx = (): WizardContext => ({ profiles: [legacy], catalog: null, jobNames: [], sinkKinds: sinkKinds() });
  const draftFor = (mode: WizardDraft['options']['mode']): WizardDraft => {
    const d = emptyDraft();
    d.source.profile = 'legacy';
    d.options.mode = mode;
    d.options.name = 'legacy-copy';
    return d;
  };

  it('a streaming job is refused on log_bin = OFF, and the report offers a copy-only job', async () => {
    const d = draftFor('snapshot+stream');
    const report = await wizard.preflight(d);
    const logBin = report.items.find((i) => i.id === 'source.binlog.log_bin');
    assert.equal(logBin?.status, 'fail', JSON.stringify(report.items, null, 1));
    assert.match(logBin!.detail, /log_bin = OFF/);
    assert.equal(report.ok, false);
    assert.equal(copyOnlyWouldPass(report), true, `only what streaming needs failed: ${report.items.filter((i) => i.status === 'fail').map((i) => i.id).join(', ')}`);
    d.preflight = { report, ranAt: Date.now(), forProfile: 'legacy', streaming: true };
    assert.match(validateStep('preflight', d, ctx())[0]?.message ?? '', /check\(s\) failed/);
  });

  it('as a copy-only job the same source passes: the binlog is a warning, and Preflight and Options let it through', async () => {
    const d = draftFor('snapshot');
    const report = await wizard.preflight(d);
    assert.equal(report.ok, true, JSON.stringify(report.items.filter((i) => i.status === 'fail'), null, 1));
    assert.equal(report.items.find((i) => i.id === 'source.binlog.log_bin')?.status, 'warn');
    d.preflight = { report, ranAt: Date.now(), forProfile: 'legacy', streaming: false };
    assert.deepEqual(validateStep('preflight', d, ctx()), []);
    assert.deepEqual(validateStep('options', d, ctx()), []);
    d.options.mode = 'snapshot+stream';
    assert.match(validateStep('options', d, ctx())[0]?.message ?? '', /The preflight ran for a copy only/, 'streaming again needs the checks again');
  });
});
