// The wizard with a PostgreSQL sink: its kind comes from the saved profile, the job file it makes carries
// the policy and the selected tables' type overrides and passes the job file check, and overrides are
// validated (a type name, a column the table has).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProfileSummary } from '../../shared/profiles.js';
import { parseJobConfig } from '../../shared/job-config.js';
import { WizardDraftSchema } from '../../shared/api-schema.js';
import { draftToJobFile, emptyDraft, sinkKind, sinkOptionsOf, validateStep, type CatalogTable, type WizardContext, type WizardDraft } from '../../shared/wizard.js';
import { pgTypeProblem, selectedTypeOverrides } from '../../shared/wizard-postgres.js';
import { sinkKinds } from '../../engine/sink/registry.js';

const summary = (profile: ProfileSummary['profile']): ProfileSummary => ({ profile, has: { password: true, sshPassword: false, sshPassphrase: false }, updatedAt: 0, lastTest: null, description: profile.name });

const table = (db: string, t: string): CatalogTable => ({
  db,
  table: t,
  engine: 'InnoDB',
  estimatedRows: 1,
  dataBytes: 1,
  indexBytes: 0,
  keyColumns: ['id'],
  columns: [
    { name: 'id', type: 'int(11)', nullable: false, generated: false },
    { name: 'born', type: 'date', nullable: true, generated: false },
  ],
  warnings: [],
});

const ctx: WizardContext = {
  profiles: [
    summary({ kind: 'mysql', name: 'src', host: 'h', port: 3306, user: 'u', tls: { mode: 'disabled' } }),
    summary({ kind: 'postgres', name: 'pg', host: 'p', port: 5432, user: 'w', database: 'dw', tls: { mode: 'disabled' } }),
  ],
  catalog: [table('shop', 'people'), table('shop', 'orders')],
  jobNames: [],
  sinkKinds: sinkKinds(),
};

function draft(): WizardDraft {
  const d = emptyDraft();
  d.source.profile = 'src';
  d.preflight = { report: { ok: true, source: { url: 'mysql://u@h' }, items: [] }, ranAt: 1, forProfile: 'src', streaming: true };
  d.tables.selected = ['shop.people'];
  d.sink.profile = 'pg';
  d.options.name = 'to-pg';
  return d;
}

test('a PostgreSQL profile as the sink makes a "postgres" job with the policy and the selected tables\' overrides', () => {
  const d = draft();
  assert.equal(sinkKind(d, ctx), 'postgres');
  assert.deepEqual(validateStep('review', d, ctx), []);
  d.mapping.postgres = { unholdable: '-infinity', types: { 'shop.people.born': ' text ', 'shop.orders.id': 'bigint' } };
  const job = draftToJobFile(d, { source: { profile: 'src' }, sink: { profile: 'pg' } }, 'postgres');
  assert.deepEqual(job.sink, { type: 'postgres', profile: 'pg', unholdable: '-infinity', types: { 'shop.people.born': 'text' } }, 'an unselected table\'s override is left out');
  const cfg = parseJobConfig(job);
  assert.equal(cfg.sink.type, 'postgres');
  const env = draftToJobFile(d, { source: { url: 'mysql://u@h:3306', passwordEnv: 'SRC_PW' }, sink: { url: 'postgres://w@p:5432/dw', passwordEnv: 'PG_PW' } }, 'postgres');
  assert.doesNotThrow(() => parseJobConfig(env));
});

test('without overrides the job file says the default policy and no "types"; other kinds get none of it', () => {
  const d = draft();
  assert.deepEqual(sinkOptionsOf(d, 'postgres'), { unholdable: 'stop' });
  assert.deepEqual(sinkOptionsOf(d, 'mysql'), {});
  const old = { ...d, mapping: { ...d.mapping } };
  delete old.mapping.postgres; // a draft saved before PostgreSQL sinks
  assert.deepEqual(sinkOptionsOf(old, 'postgres'), { unholdable: 'stop' });
  assert.equal(WizardDraftSchema.safeParse(old).success, true, 'an older draft still loads');
  assert.deepEqual(draftToJobFile(d, undefined, 'mysql').sink, { type: 'mysql', profile: 'pg' });
});

test('mapping: a type override must be a type name for a column the table has', () => {
  const d = draft();
  d.mapping.postgres = { unholdable: 'stop', types: { 'shop.people.born': 'text; DROP TABLE x', 'shop.people.gone': 'text', 'shop.people.id': 'numeric(20, 0)' } };
  const errors = validateStep('mapping', d, ctx);
  assert.deepEqual(errors.map((e) => e.field).sort(), ['mapping.postgres.types.shop.people.born', 'mapping.postgres.types.shop.people.gone']);
  assert.match(errors.find((e) => e.field.endsWith('gone'))!.message, /shop\.people has no column gone/);
  assert.equal(pgTypeProblem('timestamp(3) with time zone'), null);
  assert.equal(pgTypeProblem('text[]'), null);
  assert.match(pgTypeProblem('  ') ?? '', /is empty/);
  assert.deepEqual(selectedTypeOverrides(undefined, ['a.b']), {});
});

test('the Sink step names PostgreSQL among the kinds', () => {
  const d = draft();
  d.sink.profile = null;
  assert.match(validateStep('sink', d, ctx)[0]!.message, /PostgreSQL/);
});
