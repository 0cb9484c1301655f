// `cutover check`: everything that would stop a copy or a stream, found before anything runs, each with
// the SQL or my.cnf setting that fixes it. Never throws for a failed check: a failure is an item.
import type { Connection } from 'mysql2/promise';
import { CutoverError } from '../../../shared/errors.js';
import type { JobConfig, KafkaSinkConfig } from '../../../shared/job-config.js';
import type { TableRef } from '../../../shared/table-selection.js';
import type { CheckItem, CheckStatus, PreflightReport } from '../../../shared/preflight.js';
import { connect, explainConnectError, parseMysqlUrl, queryRows, redactUrl } from './connection.js';
import type { ServerAddress } from './connection.js';
import { describeServer, parseGrants, readServerInfo, type GrantSet, type ServerInfo } from './server-info.js';
import { accountLiteral, checkSource, errorText } from './preflight-source.js';
import { checkSink } from './preflight-sink.js';
import { largeRows, rowSizeItem } from './preflight-row-size.js';

export type { CheckItem, CheckStatus, PreflightReport } from '../../../shared/preflight.js';

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
}

/** The sink part of the preflight's options for a job's sink (the sink kinds this preflight checks). */
export function sinkPreflight(sink: JobConfig['sink']): Pick<PreflightOptions, 'sinkUrl' | 'kafka'> {
  if (sink.type === 'kafka') return { kafka: sink };
  return 'url' in sink && typeof sink.url === 'string' ? { sinkUrl: sink.url } : {};
}

export async function runPreflight(opts: PreflightOptions): Promise<PreflightReport> {
  const items: CheckItem[] = [];
  const report: PreflightReport = { ok: true, source: { url: redactUrl(opts.sourceUrl) }, items };

  let sourceDbs: string[] | undefined;
  // Loaded only for Kafka jobs (kafkajs is not needed otherwise).
  const kafka = opts.kafka ? await import('../../sink/kafka/preflight.js') : null;
  let rows: import('../../sink/kafka/preflight.js').RowEstimate[] | undefined;
  let sourceTables: TableRef[] = [];
  const source = await openSide('source', opts.sourceUrl, items);
  if (source) {
    report.source.flavor = source.info.flavor;
    report.source.version = source.info.version;
    try {
      const r = await checkSource(source, items, { streaming: opts.streaming ?? false, selected: opts.selected, deferredCreatedAt: opts.deferredCreatedAt });
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

/** An open, identified connection to one side, shared by that side's checks. */
export interface Side {
  side: 'source' | 'sink';
  conn: Connection;
  address: ServerAddress;
  info: ServerInfo;
  /** CURRENT_USER() as 'user'@'host', ready to paste into a GRANT. */
  account: string;
  /** The grants of the account and of its active roles; undefined when SHOW GRANTS failed. */
  grants?: GrantSet;
  grantsError?: string;
}

async function openSide(side: 'source' | 'sink', url: string, items: CheckItem[]): Promise<Side | undefined> {
  const title = side === 'source' ? 'Source connection' : 'Sink connection';
  let address: ServerAddress;
  let conn: Connection;
  try {
    address = parseMysqlUrl(url);
    try {
      conn = await connect(address);
    } catch (e) {
      throw e instanceof CutoverError ? e : explainConnectError(e, address);
    }
  } catch (e) {
    const err = e instanceof CutoverError ? e : new CutoverError((e as Error)?.message ?? String(e));
    items.push({ id: `${side}.connect`, side, title, status: 'fail', detail: err.message, fix: err.fix });
    return undefined;
  }
  try {
    const info = await readServerInfo(conn);
    const who = await queryRows<{ u: string }>(conn, 'SELECT CURRENT_USER() AS u');
    const account = accountLiteral(String(who[0]?.u ?? address.user));
    const anonymous = account.startsWith("''@") && address.user !== '';
    items.push({
      id: `${side}.connect`,
      side,
      title,
      status: anonymous ? 'warn' : 'pass',
      detail: anonymous
        ? `Connected, but the server authenticated ${address.user} as the anonymous account ${account}, which has almost no privileges.`
        : `Connected to ${redactUrl(url)} as ${account}.`,
      fix: anonymous
        ? `DROP USER ${account}; (the anonymous user matches before '${address.user}'@'%' for connections from its host)`
        : undefined,
    });
    items.push({
      id: `${side}.server`,
      side,
      title: side === 'source' ? 'Source server' : 'Sink server',
      status: 'pass',
      detail: `${describeServer(info)} (VERSION() = ${info.version}).`,
    });
    const s: Side = { side, conn, address, info, account };
    try {
      s.grants = parseGrants(await grantLines(conn, info));
    } catch (e) {
      s.grantsError = errorText(e);
    }
    return s;
  } catch (e) {
    items.push({ id: `${side}.connect`, side, title, status: 'fail', detail: `Connected, but the server did not answer: ${errorText(e)}` });
    await conn.end().catch(() => undefined);
    return undefined;
  }
}

/** SHOW GRANTS for the account, plus the grants of its active roles (which SHOW GRANTS FOR CURRENT_USER() omits). */
async function grantLines(conn: Connection, info: ServerInfo): Promise<string[]> {
  const lines = await showGrants(conn, 'SHOW GRANTS FOR CURRENT_USER()');
  let role: string | null = null;
  try {
    const r = await queryRows<{ r: string | null }>(conn, 'SELECT CURRENT_ROLE() AS r');
    role = r[0]?.r ?? null;
  } catch {
    return lines; // MySQL 5.7: no roles
  }
  if (!role || role === 'NONE') return lines;
  try {
    // MariaDB: one active role, expanded recursively. MySQL 8: CURRENT_ROLE() is already a quoted list.
    const sql = info.flavor === 'mariadb' ? 'SHOW GRANTS FOR CURRENT_ROLE' : `SHOW GRANTS FOR CURRENT_USER() USING ${role}`;
    lines.push(...(await showGrants(conn, sql)));
  } catch {
    /* roles not readable: judge by the account's own grants */
  }
  return lines;
}

async function showGrants(conn: Connection, sql: string): Promise<string[]> {
  const rows = await queryRows<Record<string, unknown>>(conn, sql);
  return rows.map((r) => String(Object.values(r)[0] ?? ''));
}

const MARK: Record<CheckStatus, string> = { pass: '✓', warn: '!', fail: '✗' };
const MAX_LISTED = 20;

/** Human text: a header per side, one line per item, the fix indented below it, then a verdict. */
export function formatPreflight(r: PreflightReport): string {
  const out: string[] = [];
  const header = (label: string, s: { url: string; flavor?: string; version?: string }): string =>
    `${label}: ${s.url}${s.version ? ` (${s.flavor === 'mariadb' ? 'MariaDB' : 'MySQL'} ${s.version})` : ''}`;
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
