// Test fixtures for the wizard, connections, verification and cutover views (with fake-api.tsx).
import type { CutoverState, CutoverStep, DeferredObject } from '../../../../shared/cutover';
import { ROLLBACK_STEPS, type RollbackState, type RollbackStep } from '../../../../shared/rollback';
import type { CheckItem, PreflightReport } from '../../../../shared/preflight';
import type { Profile, ProfileSummary } from '../../../../shared/profiles';
import type { SinkKindInfo } from '../../../../shared/sink-capabilities';
import type { VerifyReport, VerifyTableResult } from '../../../../shared/verify';
import { summarize } from '../../../../shared/verify';
import { emptyDraft, type CatalogTable, type WizardDraft } from '../../../../shared/wizard';

/** The engine's sink kinds as `sinkKinds` lists them (engine/sink/<kind>/descriptor.ts). */
export const SINK_KINDS: SinkKindInfo[] = [
  {
    kind: 'mysql',
    title: 'MySQL/MariaDB',
    capabilities: { rename: true, existingRows: true, views: true, deferredIndexes: true, deferredObjects: true, repair: true, orderedCopy: false, checkpointInSink: true, partitionOffsets: true, pauseTable: true, transactions: true, transactionPieces: true, reverse: true, heartbeatOnSink: false, topics: false },
    sourceServer: true,
  },
  {
    kind: 'kafka',
    title: 'Kafka',
    capabilities: { rename: false, existingRows: false, views: false, deferredIndexes: false, deferredObjects: false, repair: false, orderedCopy: true, checkpointInSink: false, partitionOffsets: false, pauseTable: false, transactions: true, transactionPieces: true, reverse: false, heartbeatOnSink: false, topics: true },
    sourceServer: false,
  },
];

export function mysqlProfile(name: string, over: Partial<Extract<Profile, { kind: 'mysql' }>> = {}): Profile {
  return { kind: 'mysql', name, host: `${name}.example.com`, port: 3306, user: 'cutover', tls: { mode: 'disabled' }, ...over };
}

export function kafkaProfile(name: string): Profile {
  return { kind: 'kafka', name, brokers: ['kafka1:9092'], tls: { mode: 'disabled' } };
}

export function profileSummary(profile: Profile, over: Partial<ProfileSummary> = {}): ProfileSummary {
  return { profile, has: { password: true, sshPassword: false, sshPassphrase: false }, updatedAt: Date.now() - 60_000, lastTest: null, description: describedAs(profile), ...over };
}

/** The line the engine's descriptors write for these fixtures' profiles (engine/mysql/profile-rules.ts, engine/kafka/endpoint-settings.ts). */
function describedAs(p: Profile): string {
  if ('brokers' in p) return p.brokers.join(', ');
  if ('host' in p) {
    const ssh = 'ssh' in p && p.ssh ? ` via ssh ${p.ssh.user}@${p.ssh.host}:${p.ssh.port}` : '';
    return `${p.user}@${p.host}:${p.port}${ssh}${p.tls.mode !== 'disabled' ? `, TLS ${p.tls.mode}` : ''}`;
  }
  return p.name;
}

export function catalogTable(db: string, table: string, over: Partial<CatalogTable> = {}): CatalogTable {
  return {
    db,
    table,
    engine: 'InnoDB',
    estimatedRows: 1000,
    dataBytes: 64 * 1024,
    indexBytes: 16 * 1024,
    keyColumns: ['id'],
    columns: [
      { name: 'id', type: 'bigint(20) unsigned', nullable: false, generated: false },
      { name: 'name', type: 'varchar(100)', nullable: true, generated: false },
      { name: 'secret', type: 'varchar(100)', nullable: true, generated: false },
    ],
    warnings: [],
    ...over,
  };
}

export function checkItem(id: string, status: CheckItem['status'], over: Partial<CheckItem> = {}): CheckItem {
  return { id, side: 'source', title: `Check ${id}`, status, detail: `Detail of ${id}.`, ...over };
}

export function preflightReport(items: CheckItem[]): PreflightReport {
  return { ok: !items.some((i) => i.status === 'fail'), source: { url: 'mysql://cutover@src:3306', flavor: 'mariadb', version: '10.11.9' }, items };
}

/** A draft that passes every step against `profiles` and `catalog` from this file's defaults. */
export function readyDraft(over: (d: WizardDraft) => WizardDraft = (d) => d): WizardDraft {
  const d = emptyDraft();
  return over({
    ...d,
    source: { profile: 'src' },
    preflight: { report: preflightReport([checkItem('binlog', 'pass')]), ranAt: Date.now(), forProfile: 'src', streaming: true },
    tables: { selected: ['shop.orders'] },
    sink: { profile: 'dst' },
    options: { ...d.options, name: 'src-to-dst' },
  });
}

export function verifyTable(table: string, over: Partial<VerifyTableResult> = {}): VerifyTableResult {
  return {
    table,
    sink: table,
    state: 'match',
    chunks: 4,
    chunksDone: 4,
    rechecked: 0,
    mismatchedChunks: 0,
    rowsSource: 100,
    rowsSink: 100,
    mismatches: [],
    truncated: false,
    keyless: false,
    error: null,
    repaired: null,
    ...over,
  };
}

export function verifyReport(tables: VerifyTableResult[], over: Partial<VerifyReport> = {}): VerifyReport {
  return {
    id: 7,
    job: 'shop',
    sinkType: 'mysql',
    state: tables.some((t) => t.state === 'running' || t.state === 'pending') ? 'running' : tables.some((t) => t.state !== 'match') ? 'fail' : 'pass',
    startedAt: Date.now() - 30_000,
    finishedAt: null,
    sourcePosition: { start: 'mysql-bin.000003:1200', end: null },
    whileStreaming: true,
    tables,
    summary: summarize(tables),
    error: null,
    operator: 'alice@laptop',
    repair: over.sinkType === 'kafka' ? { available: false, note: 'Repair copies rows into a MySQL or MariaDB sink; this job publishes to Kafka.' } : { available: true, note: null },
    repairOf: null,
    ...over,
  };
}

const STEP_TEXT: Record<CutoverStep['id'], [string, string]> = {
  lag: ['Lag under the threshold', 'Nothing to roll back.'],
  'reverse-check': ['Way back checked', 'Nothing to roll back.'],
  'read-only': ['Source read-only', 'SET GLOBAL read_only = OFF on the source.'],
  fence: ['Fence applied on the sink', 'Nothing to roll back.'],
  verify: ['Final verification', 'Nothing to roll back.'],
  deferred: ['Deferred objects created', 'Drop the created objects on the sink.'],
  reverse: ['Reverse job started', 'Roll back with the rollback checklist.'],
  report: ['Report', 'Nothing to roll back.'],
};

export function cutoverStep(id: CutoverStep['id'], over: Partial<CutoverStep> = {}): CutoverStep {
  const [title, rollback] = STEP_TEXT[id];
  return {
    id,
    title,
    description: `What ${id} does.`,
    state: 'pending',
    optional: false,
    needsConfirmation: id === 'read-only',
    canUndo: id === 'read-only' || id === 'deferred',
    blockedBy: null,
    startedAt: null,
    finishedAt: null,
    operator: null,
    detail: null,
    fix: null,
    rollback,
    facts: {},
    ...over,
  };
}

export function cutoverState(steps: Partial<Record<CutoverStep['id'], Partial<CutoverStep>>> = {}, deferred: DeferredObject[] = []): CutoverState {
  const ids: CutoverStep['id'][] = ['lag', 'read-only', 'fence', 'verify', 'deferred', 'report'];
  const list = ids.map((id) => cutoverStep(id, steps[id]));
  return {
    job: 'shop',
    source: 'mysql://root@db1.example.com:3306',
    sinkType: 'mysql',
    lagThresholdSeconds: 5,
    lagSeconds: 0.4,
    steps: list,
    deferred,
    deferredSource: 'source',
    deferredError: null,
    openTransactions: [],
    bypass: null,
    switched: false,
    complete: list.every((s) => s.state === 'done' || (s.optional && s.state === 'skipped')),
  };
}

const ROLLBACK_TITLES: Record<RollbackStep['id'], string> = {
  freeze: 'New server read-only, proven',
  fence: 'Reverse job: fence, drain, stop',
  verify: 'Old server verified against the new',
  triggers: 'Old server’s triggers back',
  writable: 'Old server writable',
  report: 'Rollback report',
};

export function rollbackStep(id: RollbackStep['id'], over: Partial<RollbackStep> = {}): RollbackStep {
  return {
    id,
    title: ROLLBACK_TITLES[id],
    description: `What ${id} does.`,
    state: 'pending',
    needsConfirmation: id === 'freeze' || id === 'writable',
    blockedBy: null,
    startedAt: null,
    finishedAt: null,
    operator: null,
    detail: null,
    fix: null,
    facts: {},
    ...over,
  };
}

/** The rollback of "shop" through "shop-reverse"; the writable summary as the engine words it for these steps. */
export function rollbackState(steps: Partial<Record<RollbackStep['id'], Partial<RollbackStep>>> = {}, over: Partial<RollbackState> = {}): RollbackState {
  const list = ROLLBACK_STEPS.map((id) => rollbackStep(id, steps[id]));
  const begun = list.find((s) => s.id === 'freeze')!.state !== 'pending';
  const old = list.find((s) => s.id === 'writable')!.state === 'done';
  return {
    job: 'shop',
    oldServer: 'mysql://app@old.example:3306',
    newServer: 'mysql://app@new.example:3306',
    reverseJob: 'shop-reverse',
    steps: list,
    rolledBack: list.every((s) => s.state === 'done'),
    report: list.find((s) => s.id === 'report')!.state === 'done' ? '# Rollback of shop\n\nRolled back.\n' : null,
    writable: old
      ? { takesWrites: 'old', detail: 'The old server takes the writes again.' }
      : begun
        ? { takesWrites: 'neither', detail: 'Neither server takes the application’s writes.' }
        : { takesWrites: 'new', detail: 'The new server takes the writes; the reverse job keeps the old server in step.' },
    resumed: [],
    ...over,
  };
}
