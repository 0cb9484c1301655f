// `cutover check`: everything that would stop a copy or a stream, found before anything runs, each with
// the SQL or my.cnf setting that fixes it. Never throws for a failed check: a failure is an item.
import type { JobConfig, KafkaSinkConfig } from '../../shared/job-config.js';
import type { TableRef } from '../../shared/table-selection.js';
import type { CheckItem, CheckStatus, PreflightReport } from '../../shared/preflight.js';
import { redactUrl } from '../mysql/connection.js';
import { checkSource } from '../source/mysql/preflight-source.js';
import { checkSink } from '../sink/mysql/preflight.js';
import { sinkKind } from '../sink/registry.js';
import type { SinkPreflight } from '../sink/driver.js';
import { largeRows, rowSizeItem } from '../source/mysql/preflight-row-size.js';
import { errorText, openSide } from '../mysql/preflight-side.js';

export type { CheckItem, CheckStatus, PreflightReport } from '../../shared/preflight.js';

export interface PreflightOptions {
  sourceUrl: string;
  sinkUrl?: string;
  /** Binlog streaming will follow the copy: replication privileges and binlog settings become required. */
  streaming?: boolean;
  /** Which source tables the job takes; default: every non-system base table (of the URL's database, if it names one). */
  selected?: (ref: TableRef) => boolean;
  /** A Kafka sink instead of a MySQL one (sinkUrl is then ignored): brokers, message size, topic creation. */
  kafka?: KafkaSinkConfig;
  /** When the cutover assistant created the job's triggers, routines and events on the sink (ms), if it has. */
  deferredCreatedAt?: number | null;
  /** A sink kind's own checks (its descriptor's preflightOptions), instead of sinkUrl / kafka. */
  sinkCheck?: SinkPreflight;
  /** The sink's name of a source table (the job's "rename"); default: the same name. */
  sinkName?: (ref: TableRef) => TableRef;
  /** The job's sink kind, when not MySQL: whether it creates triggers, routines and events at cutover (capability deferredObjects). */
  sinkObjects?: { title: string; created: boolean };
}

/** The sink part of the preflight's options for a job's sink (the sink kinds this preflight checks). */
export function sinkPreflight(sink: JobConfig['sink'], sinkName?: (ref: TableRef) => TableRef): Pick<PreflightOptions, 'sinkUrl' | 'kafka' | 'sinkCheck' | 'sinkName' | 'sinkObjects'> {
  const kind = sinkKind(sink.type);
  return { ...(kind.preflightOptions?.(sink) ?? {}), ...(sinkName ? { sinkName } : {}), sinkObjects: { title: kind.title, created: kind.capabilities.deferredObjects } };
}

export async function runPreflight(opts: PreflightOptions): Promise<PreflightReport> {
  const items: CheckItem[] = [];
  const report: PreflightReport = { ok: true, source: { url: redactUrl(opts.sourceUrl) }, items };

  let sourceDbs: string[] | undefined;
  // Loaded only for Kafka jobs (kafkajs is not needed otherwise).
  const kafka = opts.kafka ? await import('../sink/kafka/preflight.js') : null;
  let rows: import('../sink/kafka/preflight.js').RowEstimate[] | undefined;
  let sourceTables: TableRef[] = [];
  const source = await openSide('source', opts.sourceUrl, items);
  if (source) {
    report.source.flavor = source.info.flavor;
    report.source.version = source.info.version;
    try {
      const r = await checkSource(source, items, { streaming: opts.streaming ?? false, selected: opts.selected, deferredCreatedAt: opts.deferredCreatedAt, sinkObjects: opts.sinkObjects });
      sourceDbs = r.databases;
      sourceTables = r.tables;
      if (kafka) rows = await kafka.estimateRows(source.conn, opts.selected ?? (() => true)).catch(() => undefined);
    } catch (e) {
      await source.conn.end().catch(() => undefined);
      throw e;
    }
  }

  if (kafka && opts.kafka) {
    report.sink = { url: `kafka://${opts.kafka.brokers.join(',')}` };
    await kafka.checkKafkaSink(opts.kafka, items, { rows, clientId: opts.kafka.clientId });
  } else if (opts.sinkCheck) {
    report.sink = { url: redactUrl(opts.sinkCheck.url) };
    const sinkName = opts.sinkName ?? ((ref: TableRef) => ref);
    Object.assign(report.sink, await opts.sinkCheck.check({ items, sourceTables, sinkName, streaming: opts.streaming ?? false }));
  } else if (opts.sinkUrl !== undefined) {
    report.sink = { url: redactUrl(opts.sinkUrl) };
    const sink = await openSide('sink', opts.sinkUrl, items);
    if (sink) {
      report.sink.flavor = sink.info.flavor;
      report.sink.version = sink.info.version;
      try {
        const { maxPacket } = await checkSink(sink, items, { databases: sink.address.database ? [sink.address.database] : sourceDbs });
        // The source's largest rows against the sink's packet limit (the source stays open for this).
        if (source && maxPacket) {
          try {
            items.push(rowSizeItem(await largeRows(source.conn, sourceTables, maxPacket), maxPacket));
          } catch (e) {
            items.push({ id: 'sink.row_size', side: 'sink', title: 'Largest row', status: 'warn', detail: `Could not be checked: ${errorText(e)}` });
          }
        }
      } finally {
        await sink.conn.end().catch(() => undefined);
      }
    }
  }
  await source?.conn.end().catch(() => undefined);

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
