// The arguments of every API method, validated by the engine host before it runs anything: the
// renderer is untrusted input like any other (a web page could be talking to `cutover ui`).
import { z } from 'zod';
import type { ApiMethod } from './api.js';
import { CUTOVER_STEPS } from './cutover.js';
import { ROLLBACK_STEPS } from './rollback.js';
import { ProfileInput } from './profiles.js';
import { WIZARD_STEPS } from './wizard.js';

const job = z.string().min(1).max(200);
const table = z.string().min(1).max(400);
const level = z.enum(['debug', 'info', 'warn', 'error']);

const name64 = z.string().min(1).max(64);
const count = z.number().int().min(0).max(1_000_000_000);
const stringMap = z.record(z.string().max(400), z.string().max(64 * 1024));

/** The wizard's draft as the renderer sends it (shared/wizard.ts WizardDraft); the report is the engine's own, kept as given. */
export const WizardDraftSchema = z.strictObject({
  version: z.literal(1),
  step: z.enum(WIZARD_STEPS),
  source: z.strictObject({ profile: name64.nullable() }),
  preflight: z.strictObject({
    report: z.looseObject({ ok: z.boolean(), items: z.array(z.looseObject({ status: z.enum(['pass', 'warn', 'fail']) })) }).nullable(),
    ranAt: z.number().nullable(),
    forProfile: name64.nullable(),
    streaming: z.boolean(),
  }),
  tables: z.strictObject({
    selected: z.array(z.string().min(3).max(400)).max(100_000),
    patterns: z.array(z.string().min(1).max(400)).max(1000).optional(),
    excluded: z.array(z.string().min(3).max(400)).max(100_000).optional(),
  }),
  sink: z.strictObject({ profile: name64.nullable() }),
  mapping: z.strictObject({
    rename: stringMap,
    excludeColumns: z.record(z.string().max(400), z.array(z.string().min(1).max(64)).max(4096)),
    where: stringMap,
    kafka: z.strictObject({
      topic: z.string().max(249),
      format: z.enum(['debezium', 'canal', 'maxwell']),
      key: z.enum(['pk', 'table']),
      partitions: count,
      replicationFactor: count,
      exactlyOnce: z.boolean(),
      tombstones: z.boolean(),
    }),
    postgres: z
      .strictObject({
        unholdable: z.enum(['stop', 'null', '-infinity', 'text']),
        types: z.record(z.string().max(400), z.string().max(400)),
      })
      .optional(),
  }),
  options: z.strictObject({
    name: z.string().max(100),
    mode: z.enum(['snapshot', 'snapshot+stream', 'stream']),
    parallelism: count,
    chunkRows: count,
    maxRowsPerSecond: count,
    maxThreadsRunning: count,
    onExisting: z.enum(['fail', 'truncate', 'append']),
  }),
});

export const API_ARGS = {
  info: z.tuple([]),
  sinkKinds: z.tuple([]),
  listJobs: z.tuple([]),
  jobStatus: z.tuple([job]),
  jobConfig: z.tuple([job]),
  openJob: z.tuple([z.strictObject({ text: z.string().max(4 * 1024 * 1024), fileName: z.string().max(500).optional() })]),
  start: z.tuple([job]),
  pause: z.tuple([job]),
  resume: z.tuple([job, z.strictObject({ skipDdl: z.boolean().optional() }).optional()]),
  stop: z.tuple([job]),
  removeJob: z.tuple([job, z.strictObject({ cleanSink: z.boolean().optional() }).optional()]),
  resumeTable: z.tuple([job, table, z.strictObject({ skip: z.boolean().optional() }).optional()]),
  skipMessage: z.tuple([job, z.string().min(5).max(300)]),
  retryTable: z.tuple([job, table]),
  recopyTable: z.tuple([job, table]),
  history: z.tuple([job, z.strictObject({ sinceTs: z.number().int().nonnegative().optional(), maxPoints: z.number().int().min(10).max(20000).optional() }).optional()]),
  logs: z.tuple([
    z.strictObject({
      job: job.optional(),
      minLevel: level.optional(),
      search: z.string().max(500).optional(),
      afterId: z.number().int().nonnegative().optional(),
      limit: z.number().int().min(1).max(5000).optional(),
    }),
  ]),
  errors: z.tuple([job.optional()]),
  dismissError: z.tuple([z.number().int().positive()]),
  startDemo: z.tuple([]),
  listProfiles: z.tuple([]),
  saveProfile: z.tuple([ProfileInput]),
  deleteProfile: z.tuple([name64]),
  testProfile: z.tuple([ProfileInput]),
  kafkaTopics: z.tuple([name64]),
  kafkaTopicSample: z.tuple([name64, z.string().min(1).max(249)]),
  getDraft: z.tuple([]),
  saveDraft: z.tuple([WizardDraftSchema]),
  discardDraft: z.tuple([]),
  wizardPreflight: z.tuple([WizardDraftSchema]),
  sourceCatalog: z.tuple([name64]),
  checkFilter: z.tuple([name64, table, z.string().min(1).max(64 * 1024)]),
  sampleMessage: z.tuple([WizardDraftSchema, table]),
  mappingPreview: z.tuple([WizardDraftSchema, table]),
  estimate: z.tuple([WizardDraftSchema]),
  exportJob: z.tuple([WizardDraftSchema, z.enum(['profile', 'env'])]),
  createJob: z.tuple([WizardDraftSchema]),
  verify: z.tuple([job, z.strictObject({ tables: z.array(table).max(100_000).optional() }).optional()]),
  verification: z.tuple([job]),
  repair: z.tuple([job, z.number().int().positive()]),
  verificationHistory: z.tuple([job]),
  cutoverState: z.tuple([job]),
  cutoverRun: z.tuple([
    job,
    z.enum(CUTOVER_STEPS),
    z.strictObject({ lagThresholdSeconds: z.number().min(0).max(86_400).optional(), confirm: z.boolean().optional(), skip: z.boolean().optional() }).optional(),
  ]),
  cutoverUndo: z.tuple([job, z.enum(CUTOVER_STEPS)]),
  cutoverReport: z.tuple([job, z.enum(['markdown', 'html'])]),
  cutoverKill: z.tuple([job, z.array(z.number().int().positive()).min(1).max(1000)]),
  rollbackState: z.tuple([job]),
  rollbackRun: z.tuple([job, z.enum(ROLLBACK_STEPS), z.strictObject({ confirm: z.boolean().optional() }).optional()]),
  rollbackReport: z.tuple([job, z.enum(['markdown', 'html'])]),
} satisfies Record<ApiMethod, z.ZodType>;

export function isApiMethod(m: string): m is ApiMethod {
  return Object.hasOwn(API_ARGS, m);
}

export const API_METHODS = Object.keys(API_ARGS) as ApiMethod[];
