// `cutover check`: everything that would stop a copy or a stream, found before anything runs, each with
// the SQL or my.cnf setting that fixes it. Never throws for a failed check: a failure is an item.
import type { JobConfig } from '../../shared/job-config.js';
import type { TableRef } from '../../shared/table-selection.js';
import type { CheckItem, CheckStatus, PreflightReport } from '../../shared/preflight.js';
import { redactUrl } from '../mysql/connection.js';
import { sinkKind } from '../sink/registry.js';
import type { SinkPreflight } from '../sink/driver.js';
import { sourceKind } from '../source/registry.js';
import type { SourcePreflight } from '../source/driver.js';

export type { CheckItem, CheckStatus, PreflightReport } from '../../shared/preflight.js';

export interface PreflightOptions {
  sourceUrl: string;
  /** The job's source kind (engine/source/registry.ts); default: MySQL/MariaDB, as a source without a type is. */
  sourceType?: string;
  /** Binlog streaming will follow the copy: replication privileges and binlog settings become required. */
  streaming?: boolean;
  /** Which source tables the job takes; default: every non-system base table (of the URL's database, if it names one). */
  selected?: (ref: TableRef) => boolean;
  /** When the cutover assistant created the job's triggers, routines and events on the sink (ms), if it has. */
  deferredCreatedAt?: number | null;
  /** The sink kind's own checks (its descriptor's preflightOptions; sinkPreflight below); absent: the source alone. */
  sinkCheck?: SinkPreflight;
  /** The sink's name of a source table (the job's "rename"); default: the same name. */
  sinkName?: (ref: TableRef) => TableRef;
  /** The job's sink kind, when not MySQL: whether it creates triggers, routines and events at cutover (capability deferredObjects). */
  sinkObjects?: { title: string; created: boolean };
}

/** The sink part of the preflight's options for a job's sink: its kind's checks, names and objects. */
export function sinkPreflight(sink: JobConfig['sink'], sinkName?: (ref: TableRef) => TableRef): Pick<PreflightOptions, 'sinkCheck' | 'sinkName' | 'sinkObjects'> {
  const kind = sinkKind(sink.type);
  return { ...(kind.preflightOptions?.(sink) ?? {}), ...(sinkName ? { sinkName } : {}), sinkObjects: { title: kind.title, created: kind.capabilities.deferredObjects } };
}

/**
 * The source driver checks the source (and stays open while the sink's checks read its rows), then the sink
 * kind's own checks run. Drivers are reached only through the registries.
 */
export async function runPreflight(opts: PreflightOptions): Promise<PreflightReport> {
  const items: CheckItem[] = [];
  const report: PreflightReport = { ok: true, source: { url: redactUrl(opts.sourceUrl) }, items };
  const streaming = opts.streaming ?? false;

  // The sink's connection opens while the source is checked (its items are still listed after the source's).
  const release = opts.sinkCheck?.start?.();
  let source: SourcePreflight;
  try {
    const driver = await sourceKind(opts.sourceType ?? 'mysql').load();
    source = await driver.preflight(opts.sourceUrl, items, {
      streaming,
      selected: opts.selected,
      deferredCreatedAt: opts.deferredCreatedAt,
      sinkObjects: opts.sinkObjects,
    });
  } catch (e) {
    await release?.();
    throw e;
  }
  try {
    if (source.server) {
      report.source.flavor = source.server.flavor;
      report.source.version = source.server.version;
    }
    if (opts.sinkCheck) {
      report.sink = { url: redactUrl(opts.sinkCheck.url) };
      const sinkName = opts.sinkName ?? ((ref: TableRef) => ref);
      Object.assign(report.sink, await opts.sinkCheck.check({ items, sourceTables: source.tables, sinkName, streaming, source: source.rows }));
    }
  } finally {
    await source.close();
  }

  report.ok = !items.some((i) => i.status === 'fail');
  return report;
}

const MARK: Record<CheckStatus, string> = { pass: '✓', warn: '!', fail: '✗' };
const MAX_LISTED = 20;

/** Human text: a header per side, one line per item, the fix indented below it, then a verdict. */
export function formatPreflight(r: PreflightReport): string {
  const out: string[] = [];
  const header = (label: string, s: { url: string; flavor?: string; version?: string }): string =>
    `${label}: ${s.url}${s.version ? ` (${s.flavor === 'mariadb' ? 'MariaDB' : s.flavor === 'postgresql' ? 'PostgreSQL' : 'MySQL'} ${s.version})` : ''}`;
  for (const side of ['source', 'sink'] as const) {
    const s = side === 'source' ? r.source : r.sink;
    if (!s) continue;
    if (out.length) out.push('');
    out.push(header(side === 'source' ? 'Source' : 'Sink', s));
    for (const item of r.items.filter((i) => i.side === side)) {
      out.push(`  ${MARK[item.status]} ${item.title}: ${item.detail}`);
      if (item.tables?.length) {
        const shown = item.tables.slice(0, MAX_LISTED).join(', ');
        const more = item.tables.length > MAX_LISTED ? ` and ${item.tables.length - MAX_LISTED} more` : '';
        out.push(`      ${shown}${more}`);
      }
      if (item.fix && item.status !== 'pass') {
        const [first, ...rest] = item.fix.split('\n');
        out.push(`      fix: ${first}`);
        for (const l of rest) out.push(`           ${l}`);
      }
    }
  }
  const fails = r.items.filter((i) => i.status === 'fail').length;
  const warns = r.items.filter((i) => i.status === 'warn').length;
  out.push('');
  out.push(
    r.ok
      ? `Ready: ${warns ? `${warns} warning${warns === 1 ? '' : 's'}, ` : ''}no failures.`
      : `Not ready: ${fails} failure${fails === 1 ? '' : 's'}${warns ? `, ${warns} warning${warns === 1 ? '' : 's'}` : ''}.`,
  );
  return out.join('\n');
}
