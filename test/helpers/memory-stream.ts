// Runs the stream pipeline (StreamRunner: reader, batcher, apply loop) between an in-memory source and
// an in-memory sink, with a real SQLite state file in a temporary folder.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJobConfig, streamOptions, type JobConfig } from '../../shared/job-config.js';
import type { SourcePosition } from '../../engine/core/position.js';
import { applierTable, type ApplierTable } from '../../engine/core/checkpoint.js';
import type { Logger } from '../../engine/core/logger.js';
import { StateStore } from '../../engine/state/store.js';
import { StreamRunner, type StreamRunnerOptions } from '../../engine/pipeline/stream-runner.js';
import type { MemorySource } from './memory-source.js';
import type { MemorySink } from './memory-sink.js';

export interface Harness {
  store: StateStore;
  jobId: number;
  cfg: JobConfig;
  lines: string[];
  log: Logger;
  sleeps: number[];
  stop: AbortController;
  runner: (o: Partial<StreamRunnerOptions>) => StreamRunner;
  phase: () => string | undefined;
}

/** A job "mem" over the tables of `source`, its state in a fresh SQLite file. */
export function streamHarness(source: MemorySource, sink: MemorySink, batch: { maxRows?: number; maxDelayMs?: number } = {}): Harness {
  const cfg = parseJobConfig({
    name: 'mem',
    source: { url: 'mysql://u:p@127.0.0.1:1' },
    sink: { type: 'mysql', url: 'mysql://u:p@127.0.0.1:2' },
    tables: { include: ['shop.*'] },
    mode: 'snapshot+stream',
    stream: { batch: { maxRows: batch.maxRows ?? 1000, maxBytes: 1 << 20, maxDelayMs: batch.maxDelayMs ?? 60_000 } },
  }) as unknown as JobConfig;
  const store = new StateStore(join(mkdtempSync(join(tmpdir(), 'pipeline-')), 'state.db'));
  const jobId = store.upsertJob(cfg.name, cfg).id;
  const lines: string[] = [];
  const at = (level: string) => (m: string, table?: string) => void lines.push(`${level}: ${table ? `${table}: ` : ''}${m}`);
  const log: Logger = { log: (l, m, t) => at(l)(m, t), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  const sleeps: number[] = [];
  const stop = new AbortController();
  const tables = (): Map<string, ApplierTable> => new Map([...source.tables].map(([name, t]) => [name, applierTable(cfg, t.info)]));
  const runner = (o: Partial<StreamRunnerOptions>): StreamRunner =>
    new StreamRunner({
      store,
      jobId,
      cfg,
      stream: streamOptions(cfg),
      log,
      signal: stop.signal,
      source,
      tablesAt: tables,
      tableIds: new Map(),
      start: source.position,
      reconcileUntil: null,
      snapshotPositions: new Map<string, SourcePosition>(),
      target: source.position,
      exitWhenCaughtUp: true,
      skipDdlAt: null,
      openTarget: () => sink.openTarget(),
      sleep: async (ms) => void sleeps.push(ms),
      ...o,
    });
  return { store, jobId, cfg, lines, log, sleeps, stop, runner, phase: () => store.jobById(jobId)?.phase };
}
