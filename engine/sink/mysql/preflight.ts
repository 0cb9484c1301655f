// The MySQL/MariaDB sink's preflight (its descriptor's sinkCheck): the connection, write privileges, packet
// size and the source's largest row against it, and that the server accepts writes.
import { quoteId } from '../../mysql/identifiers.js';
import type { CheckItem } from '../../../shared/preflight.js';
import type { RowSize } from '../../core/row-sizes.js';
import { hasPrivilege } from '../../mysql/server-info.js';
import { fitsPacket, packetFix, sizeText } from '../../mysql/packet-limit.js';
import { errorText, guarded, openSide, persistSql, readVariables, type Side } from '../../mysql/preflight-side.js';
import type { SinkPreflightContext } from '../driver.js';

/** What Cutover does on a sink: create databases and tables, write rows, and alter them for DDL. */
export const SINK_PRIVILEGES = ['CREATE', 'INSERT', 'UPDATE', 'DELETE', 'DROP', 'ALTER', 'INDEX', 'CREATE VIEW', 'REFERENCES'] as const;

export const MIN_SINK_PACKET = 16 * 1024 * 1024;

export interface SinkCheckOptions {
  /** The databases the job writes on the sink; unknown (undefined or empty): only *.* grants count. */
  databases?: string[];
}

/**
 * Checks the sink at `url` and, when the source answered, its largest rows against the sink's
 * max_allowed_packet. Adds items, never throws for a failed check; returns the server for the report.
 */
export async function checkMysqlSink(url: string, ctx: SinkPreflightContext, opened?: Promise<OpenedSink>): Promise<{ flavor?: string; version?: string }> {
  const early = await opened;
  const sink = early ? early.side : await openSide('sink', url, ctx.items);
  if (early) ctx.items.push(...early.items);
  if (!sink) return {};
  try {
    // The databases the job writes: the URL's, else those of the selected tables under their sink names.
    const databases = sink.address.database ? [sink.address.database] : [...new Set(ctx.sourceTables.map((t) => ctx.sinkName(t).db))];
    const { maxPacket } = await checkSink(sink, ctx.items, { databases });
    if (ctx.source && maxPacket) {
      try {
        ctx.items.push(rowSizeItem(await ctx.source.largestRows(ctx.sourceTables, maxPacket), maxPacket));
      } catch (e) {
        ctx.items.push({ id: 'sink.row_size', side: 'sink', title: 'Largest row', status: 'warn', detail: `Could not be checked: ${errorText(e)}` });
      }
    }
  } finally {
    await sink.conn.end().catch(() => undefined);
  }
  return { flavor: sink.info.flavor, version: sink.info.version };
}

/** The sink's connection opened and identified ahead (its items kept apart, to be listed in order). */
export interface OpenedSink {
  side: Side | undefined;
  items: CheckItem[];
}

/**
 * Connects to the sink and identifies it (server, account, grants) without the source's tables: the
 * preflight does this while the source's checks run (SinkPreflight.start). Never throws.
 */
export async function openMysqlSink(url: string): Promise<OpenedSink> {
  const items: CheckItem[] = [];
  return { side: await openSide('sink', url, items).catch(() => undefined), items };
}

/** Returns the sink's max_allowed_packet (null when it could not be read). */
export async function checkSink(s: Side, items: CheckItem[], opts: SinkCheckOptions): Promise<{ maxPacket: number | null }> {
  const { conn, info, account } = s;
  const push = (i: Omit<CheckItem, 'side'>): void => void items.push({ side: 'sink', ...i });
  const targets = opts.databases ?? [];
  let maxPacket: number | null = null;

  // --- privileges
  if (!s.grants) {
    push({ id: 'sink.privileges', title: 'Write privileges', status: 'warn', detail: `Could not read SHOW GRANTS: ${s.grantsError ?? 'unknown error'}` });
  } else {
    const g = s.grants;
    const missingByDb = new Map<string, string[]>(); // '*' = globally
    const dbOnly: string[] = [];
    for (const p of SINK_PRIVILEGES) {
      if (hasPrivilege(g, p)) continue;
      if (targets.length) {
        for (const db of targets) if (!hasPrivilege(g, p, db)) missingByDb.set(db, [...(missingByDb.get(db) ?? []), p]);
      } else if (g.databases.some((d) => d.privileges.has(p) || d.privileges.has('ALL'))) {
        dbOnly.push(p);
      } else missingByDb.set('*', [...(missingByDb.get('*') ?? []), p]);
    }
    if (missingByDb.size) {
      const missing = [...new Set([...missingByDb.values()].flat())];
      const where = targets.length ? ` on ${[...missingByDb.keys()].join(', ')}` : '';
      push({
        id: 'sink.privileges',
        title: 'Write privileges',
        status: 'fail',
        detail: `${account} lacks ${missing.join(', ')}${where}: Cutover cannot create and write the tables without them.`,
        fix: [...missingByDb]
          .map(([db, privs]) => `GRANT ${privs.join(', ')} ON ${db === '*' ? '*' : quoteId(db)}.* TO ${account};`)
          .join('\n'),
      });
    } else if (dbOnly.length) {
      push({
        id: 'sink.privileges',
        title: 'Write privileges',
        status: 'warn',
        detail:
          `${dbOnly.join(', ')} granted only on some databases (${g.databases.map((d) => d.pattern).join(', ')}): ` +
          'every database the job writes must be among them.',
        fix: `GRANT ${dbOnly.join(', ')} ON <sink db>.* TO ${account};`,
      });
    } else {
      push({
        id: 'sink.privileges',
        title: 'Write privileges',
        status: 'pass',
        detail: `${SINK_PRIVILEGES.join(', ')}${targets.length ? ` on ${targets.join(', ')}` : ' on *.*'}.`,
      });
    }
  }

  await guarded(items, { id: 'sink.settings', side: 'sink', title: 'Sink settings' }, async () => {
    const v = await readVariables(conn, ['max_allowed_packet', 'local_infile', 'read_only', 'super_read_only', 'innodb_read_only']);

    const packet = Number(v.get('max_allowed_packet') ?? '0');
    if (packet > 0) maxPacket = packet;
    const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) ? 1 : 0)} MiB`;
    if (packet >= MIN_SINK_PACKET)
      push({ id: 'sink.max_allowed_packet', title: 'Max packet size', status: 'pass', detail: `max_allowed_packet = ${mib(packet)}.` });
    else
      push({
        id: 'sink.max_allowed_packet',
        title: 'Max packet size',
        status: 'warn',
        detail: `max_allowed_packet = ${mib(packet)}: batches of large rows (BLOB, TEXT, JSON) are refused above it; 16 MiB is the minimum Cutover recommends.`,
        fix:
          info.flavor === 'mysql' && info.major >= 8
            ? 'SET PERSIST max_allowed_packet = 67108864;'
            : 'SET GLOBAL max_allowed_packet = 67108864; and in my.cnf under [mysqld]: max_allowed_packet = 64M',
      });

    const infile = v.get('local_infile');
    if (infile?.toUpperCase() === 'ON' || infile === '1')
      push({ id: 'sink.local_infile', title: 'LOAD DATA LOCAL', status: 'pass', detail: 'local_infile = ON: rows are written with LOAD DATA LOCAL (the fast path).' });
    else
      push({
        id: 'sink.local_infile',
        title: 'LOAD DATA LOCAL',
        status: 'warn',
        detail: `local_infile = ${infile ?? 'n/a'}: rows are written with multi-row INSERT instead of LOAD DATA LOCAL, about 1.5× slower.`,
        fix: persistSql(info, 'local_infile', 'ON'),
      });

    const ro = ['innodb_read_only', 'super_read_only', 'read_only'].filter((n) => v.get(n)?.toUpperCase() === 'ON' || v.get(n) === '1');
    // read_only alone, and an account that writes through it: the old server under a reverse job after a
    // cutover (the application is kept out, Cutover writes). MariaDB 10.11+: READ_ONLY ADMIN; 10.5.2–10.10
    // also SUPER; MySQL: SUPER or CONNECTION_ADMIN (super_read_only stops them all).
    const through = info.flavor === 'mysql' ? ['SUPER', 'CONNECTION_ADMIN'] : info.major * 100 + info.minor >= 1011 ? ['READ_ONLY ADMIN'] : ['SUPER', 'READ_ONLY ADMIN'];
    if (!ro.length) push({ id: 'sink.read_only', title: 'Writable', status: 'pass', detail: 'read_only = OFF.' });
    else if (ro.length === 1 && ro[0] === 'read_only' && s.grants && hasPrivilege(s.grants, through))
      push({ id: 'sink.read_only', title: 'Writable', status: 'warn', detail: `read_only = ON, but ${account} writes through it (${through.join(' or ')}): the application cannot write here, Cutover can (as a reverse job after a cutover does).` });
    else
      push({
        id: 'sink.read_only',
        title: 'Writable',
        status: 'fail',
        detail: `${ro.map((n) => `${n} = ON`).join(', ')}: the sink refuses writes (is it a replica, or the wrong server?).`,
        fix: ro.includes('innodb_read_only')
          ? 'Remove innodb_read_only from my.cnf and restart the server.'
          : [
              ...(ro.includes('super_read_only') ? [persistSql(info, 'super_read_only', 'OFF')] : []),
              persistSql(info, 'read_only', 'OFF'),
            ].join('\n'),
      });
  });
  return { maxPacket };
}

/**
 * The "Largest row" item (the source's largest rows against the sink's max_allowed_packet): fail when a
 * measured row cannot fit, warn when only a column bound says it might. A row that does not fit in one
 * packet cannot be written by any statement, so the copy or the stream would pause at it. Pure.
 */
export function rowSizeItem(sizes: readonly RowSize[], limit: number): CheckItem {
  const base = { id: 'sink.row_size', side: 'sink' as const, title: 'Largest row' };
  const over = sizes.filter((s) => s.measured && !fitsPacket(s.bytes, limit)).sort((a, b) => b.bytes - a.bytes);
  if (over.length) {
    const top = over[0]!;
    return {
      ...base,
      status: 'fail',
      detail:
        `${over.map((s) => `${s.table} has a row of ${sizeText(s.bytes)} (measured)`).join('; ')}, larger than the sink's max_allowed_packet of ${sizeText(limit)}: ` +
        'the copy or the stream would pause at it.',
      fix: packetFix(top.bytes),
      tables: over.map((s) => s.table),
    };
  }
  const unknown = sizes.filter((s) => !s.measured);
  if (unknown.length) {
    return {
      ...base,
      status: 'warn',
      detail:
        `${unknown.map((s) => `${s.table} (${sizeText(s.dataBytes ?? 0)}, not measured: too large to scan here)`).join('; ')} can hold rows up to ${sizeText(Math.max(...unknown.map((s) => s.bytes)))} by its column definitions, ` +
        `more than the sink's max_allowed_packet of ${sizeText(limit)}; a row over it would pause the job.`,
      fix: `Measure on the source: SELECT MAX(LENGTH(col1) + LENGTH(col2) + …) FROM <table>; and if it is over ${sizeText(limit)}: ${packetFix(Math.max(...unknown.map((s) => s.bytes)))}`,
      tables: unknown.map((s) => s.table),
    };
  }
  const measured = sizes.filter((s) => s.measured).sort((a, b) => b.bytes - a.bytes)[0];
  return {
    ...base,
    status: 'pass',
    detail: measured
      ? `The largest row (${measured.table}, ${sizeText(measured.bytes)}, measured) fits in the sink's max_allowed_packet of ${sizeText(limit)}.`
      : `No selected table has columns that could hold a row of ${sizeText(limit)} (the sink's max_allowed_packet).`,
  };
}
