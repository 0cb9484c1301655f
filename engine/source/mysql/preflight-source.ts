// Source-side preflight checks: privileges, binlog settings, and the tables the job would take.
import { SYSTEM_DATABASES, type TableRef } from '../../../shared/table-selection.js';
import { quoteId } from '../../mysql/identifiers.js';
import { queryRows } from '../../mysql/connection.js';
import type { CheckItem, CheckStatus } from '../../../shared/preflight.js';
import { hasPrivilege, replicaPrivilegeNames, versionAtLeast, type ServerInfo } from '../../mysql/server-info.js';
import { guarded, persistSql, readVariables, type Side } from '../../mysql/preflight-side.js';

const isOn = (v: string | undefined): boolean => v !== undefined && /^(on|1|yes|true)$/i.test(v.trim());
const key = (db: string, table: string): string => `${db}\u0000${table}`;
const shown = (db: string, table: string): string => `${db}.${table}`;
const SYSTEM_LIST = [...SYSTEM_DATABASES];

// ---------------------------------------------------------------------------------------------------

export interface SourceCheckOptions {
  streaming: boolean;
  selected?: (ref: TableRef) => boolean;
  /** The cutover assistant has created the triggers, routines and events on the sink, at this time (ms). */
  deferredCreatedAt?: number | null;
  /** The job's sink: its name, and whether it creates triggers, routines and events at cutover (absent: a MySQL sink, which does). */
  sinkObjects?: { title: string; created: boolean };
}

export async function checkSource(s: Side, items: CheckItem[], opts: SourceCheckOptions): Promise<{ databases: string[]; tables: TableRef[] }> {
  const { conn, info, account } = s;
  const need: CheckStatus = opts.streaming ? 'fail' : 'warn';
  const forStreaming = opts.streaming ? 'binlog streaming needs it' : 'not needed for the copy, but binlog streaming will need it';
  const push = (i: Omit<CheckItem, 'side'>): void => void items.push({ side: 'source', ...i });

  // The tables the job would take (information_schema only shows tables this account has a privilege on).
  let tables: (TableRef & { engine: string })[] = [];
  let tablesRead = false;
  await guarded(items, { id: 'source.tables', side: 'source', title: 'Tables' }, async () => {
    const byUrl = !opts.selected && s.address.database;
    const rows = await queryRows<{ db: string; tbl: string; engine: string | null }>(
      conn,
      `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, ENGINE AS engine FROM information_schema.TABLES
        WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') AND TABLE_SCHEMA NOT IN (?)${byUrl ? ' AND TABLE_SCHEMA = ?' : ''}
        ORDER BY TABLE_SCHEMA, TABLE_NAME`,
      byUrl ? [SYSTEM_LIST, s.address.database] : [SYSTEM_LIST],
    );
    tables = rows
      .map((r) => ({ db: String(r.db), table: String(r.tbl), engine: String(r.engine ?? '') }))
      .filter((t) => !opts.selected || opts.selected({ db: t.db, table: t.table }));
    tablesRead = true;
  });
  const databases = [...new Set(tables.map((t) => t.db))];
  const tableKeys = new Set(tables.map((t) => key(t.db, t.table)));

  // --- privileges
  const globalSelect = s.grants ? hasPrivilege(s.grants, 'SELECT') : false;
  if (!s.grants) {
    push({ id: 'source.privilege.select', title: 'SELECT privilege', status: 'warn', detail: `Could not read SHOW GRANTS: ${s.grantsError ?? 'unknown error'}` });
  } else if (globalSelect) {
    push({ id: 'source.privilege.select', title: 'SELECT privilege', status: 'pass', detail: 'SELECT on *.*.' });
  } else {
    const unreadable = tables.filter((t) => !hasPrivilege(s.grants!, 'SELECT', t.db, t.table));
    const readableDbs = databases.filter((db) => tables.some((t) => t.db === db && !unreadable.includes(t)));
    const anySelect =
      s.grants.databases.some((d) => d.privileges.has('SELECT') || d.privileges.has('ALL')) ||
      s.grants.tables.some((t) => t.privileges.has('SELECT') || t.privileges.has('ALL'));
    if ((tables.length === 0 && !anySelect) || unreadable.length) {
      const dbs = unreadable.length ? [...new Set(unreadable.map((t) => t.db))] : s.address.database ? [s.address.database] : ['<db>'];
      push({
        id: 'source.privilege.select',
        title: 'SELECT privilege',
        status: 'fail',
        detail: unreadable.length
          ? `${account} cannot SELECT from ${unreadable.length} table(s) it would copy.`
          : `${account} has no SELECT privilege on any table, so there is nothing it can copy (tables it has no privilege on are invisible to it).`,
        fix: dbs.map((db) => `GRANT SELECT ON ${db === '<db>' ? db : quoteId(db)}.* TO ${account};`).join('\n'),
        tables: unreadable.length ? unreadable.map((t) => shown(t.db, t.table)) : undefined,
      });
    } else {
      push({
        id: 'source.privilege.select',
        title: 'SELECT privilege',
        status: 'pass',
        detail: `SELECT on ${readableDbs.join(', ') || 'some databases'}. Tables ${account} has no privilege on are invisible to it and not checked; GRANT SELECT ON *.* to see all.`,
      });
    }
  }
  const names = replicaPrivilegeNames(info);
  for (const [id, p, what] of [
    ['source.privilege.replication-client', names.client, 'reads binlog positions'],
    ['source.privilege.replication-slave', names.replica, 'reads the binlog'],
  ] as const) {
    const title = `${p.grant} privilege`;
    if (!s.grants) push({ id, title, status: 'warn', detail: `Could not read SHOW GRANTS: ${s.grantsError ?? 'unknown error'}` });
    else if (hasPrivilege(s.grants, p.accepts)) push({ id, title, status: 'pass', detail: `${p.grant} on *.* (${what}).` });
    else
      push({
        id,
        title,
        status: need,
        detail: `${account} lacks ${p.grant} on *.*, which ${what}: ${forStreaming}.`,
        fix: `GRANT ${p.grant} ON *.* TO ${account};`,
      });
  }

  // --- binlog settings
  await guarded(items, { id: 'source.binlog', side: 'source', title: 'Binlog settings' }, async () => {
    const v = await readVariables(conn, [
      'log_bin',
      'binlog_format',
      'binlog_row_image',
      'binlog_row_metadata',
      'binlog_row_value_options',
      'server_id',
      'binlog_expire_logs_seconds',
      'binlog_expire_logs_auto_purge',
      'expire_logs_days',
    ]);
    const restartFix = 'in my.cnf under [mysqld]: log_bin = mysql-bin, server_id = 1, binlog_format = ROW, binlog_row_image = FULL; then restart the server';
    if (isOn(v.get('log_bin'))) push({ id: 'source.binlog.log_bin', title: 'Binary log', status: 'pass', detail: 'log_bin = ON.' });
    else push({ id: 'source.binlog.log_bin', title: 'Binary log', status: need, detail: `log_bin = OFF: ${forStreaming}.`, fix: restartFix });

    const setting = (id: string, title: string, name: string, want: string, why: string): void => {
      const cur = v.get(name);
      if (cur?.toUpperCase() === want) push({ id, title, status: 'pass', detail: `${name} = ${want}.` });
      else
        push({
          id,
          title,
          status: need,
          detail: `${name} = ${cur ?? '(not set)'}; it must be ${want} because ${why}: ${forStreaming}.`,
          fix: `${persistSql(info, name, `'${want}'`)} (applies to new sessions: reconnect applications)`,
        });
    };
    setting('source.binlog.format', 'Binlog format', 'binlog_format', 'ROW', 'only row events carry the changed rows');
    setting('source.binlog.row_image', 'Binlog row image', 'binlog_row_image', 'FULL', 'updates and deletes must carry every column');

    const meta = v.get('binlog_row_metadata');
    if (meta?.toUpperCase() === 'FULL') push({ id: 'source.binlog.row_metadata', title: 'Binlog row metadata', status: 'pass', detail: 'binlog_row_metadata = FULL.' });
    else
      push({
        id: 'source.binlog.row_metadata',
        title: 'Binlog row metadata',
        status: 'warn',
        detail:
          meta === undefined
            ? `This server has no binlog_row_metadata (MySQL 8.0.1+, MariaDB 10.5+): binlog events carry no column names, so the stream must rely on the schema it read, and DDL during the stream is riskier.`
            : `binlog_row_metadata = ${meta}; FULL is recommended so binlog events carry column names and types, which keeps the stream correct across DDL.`,
        fix: meta === undefined ? 'Upgrade to MySQL 8.0+ or MariaDB 10.5+ to get binlog_row_metadata = FULL.' : persistSql(info, 'binlog_row_metadata', "'FULL'"),
      });

    const valueOptions = v.get('binlog_row_value_options');
    if (valueOptions !== undefined) {
      if (/PARTIAL_JSON/i.test(valueOptions))
        push({
          id: 'source.binlog.row_value_options',
          title: 'Binlog JSON updates',
          status: need,
          detail: `binlog_row_value_options = PARTIAL_JSON logs JSON updates as diffs, which cannot be applied row by row: ${forStreaming}.`,
          fix: persistSql(info, 'binlog_row_value_options', "''"),
        });
      else push({ id: 'source.binlog.row_value_options', title: 'Binlog JSON updates', status: 'pass', detail: 'JSON values are logged whole.' });
    }

    const serverId = Number(v.get('server_id') ?? '0');
    if (serverId > 0) push({ id: 'source.server_id', title: 'Server id', status: 'pass', detail: `server_id = ${serverId}.` });
    else
      push({
        id: 'source.server_id',
        title: 'Server id',
        status: need,
        detail: `server_id = 0: the server refuses binlog clients: ${forStreaming}.`,
        fix: persistSql(info, 'server_id', '1'),
      });

    items.push(retentionItem(info, v, need, restartFix));
  });

  // --- tables
  if (!tablesRead) return { databases, tables };
  push(
    tables.length
      ? { id: 'source.tables', title: 'Tables', status: 'pass', detail: `${tables.length} table(s) in ${databases.length} database(s): ${databases.join(', ')}.` }
      : {
          id: 'source.tables',
          title: 'Tables',
          status: 'warn',
          detail: 'No tables match the selection (or this account cannot see them).',
          fix: 'Check the include/exclude patterns of the job, and that the user has SELECT on the databases.',
        },
  );
  if (!tables.length) return { databases, tables };

  await guarded(items, { id: 'source.tables.keys', side: 'source', title: 'Primary keys' }, async () => {
    const rows = await queryRows<{ db: string; tbl: string; idx: string; nullable: string | number }>(
      conn,
      // A key the copy can chunk by: unique, every column NOT NULL, whole (no prefix) and not generated
      // (the same rule as schema-reader's pickChunkKey). Names compare as bytes: tables may differ by case only.
      `SELECT MIN(s.TABLE_SCHEMA) AS db, MIN(s.TABLE_NAME) AS tbl, s.INDEX_NAME AS idx,
              SUM(c.COLUMN_NAME IS NULL OR c.IS_NULLABLE <> 'NO' OR s.SUB_PART IS NOT NULL OR c.EXTRA LIKE '%GENERATED%'
                  OR c.EXTRA LIKE '%PERSISTENT%') AS nullable
         FROM information_schema.STATISTICS s
         LEFT JOIN information_schema.COLUMNS c
           ON CAST(c.TABLE_SCHEMA AS BINARY) = CAST(s.TABLE_SCHEMA AS BINARY) AND CAST(c.TABLE_NAME AS BINARY) = CAST(s.TABLE_NAME AS BINARY)
              AND c.COLUMN_NAME = s.COLUMN_NAME
        WHERE s.NON_UNIQUE = 0 AND s.TABLE_SCHEMA IN (?)
        GROUP BY CAST(s.TABLE_SCHEMA AS BINARY), CAST(s.TABLE_NAME AS BINARY), s.INDEX_NAME`,
      [databases],
    );
    const keyed = new Set(rows.filter((r) => Number(r.nullable) === 0).map((r) => key(String(r.db), String(r.tbl))));
    const keyless = tables.filter((t) => !keyed.has(key(t.db, t.table)));
    if (!keyless.length) {
      push({ id: 'source.tables.keys', title: 'Primary keys', status: 'pass', detail: 'Every table has a primary key or a NOT NULL unique key.' });
      return;
    }
    push({
      id: 'source.tables.keys',
      title: 'Primary keys',
      status: 'warn',
      detail:
        `${keyless.length} table(s) have no primary key or NOT NULL unique key: each is copied in one pass and cannot resume mid-table ` +
        '(a crash restarts it), and replaying binlog rows for it is not idempotent.',
      fix: [
        ...keyless.slice(0, 10).map((t) => `ALTER TABLE ${quoteId(t.db)}.${quoteId(t.table)} ADD PRIMARY KEY (<columns that identify a row>);`),
        ...(keyless.length > 10 ? [`… and the same for the other ${keyless.length - 10} table(s)`] : []),
      ].join('\n'),
      tables: keyless.map((t) => shown(t.db, t.table)),
    });
  });

  await guarded(items, { id: 'source.tables.generated', side: 'source', title: 'Generated columns' }, async () => {
    const rows = await queryRows<{ db: string; tbl: string; col: string }>(
      conn,
      `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS col FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA IN (?) AND (EXTRA LIKE '%VIRTUAL GENERATED%' OR EXTRA LIKE '%STORED GENERATED%')
        ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
      [databases],
    );
    const byTable = new Map<string, string[]>();
    for (const r of rows) {
      if (!tableKeys.has(key(String(r.db), String(r.tbl)))) continue;
      const k = shown(String(r.db), String(r.tbl));
      byTable.set(k, [...(byTable.get(k) ?? []), String(r.col)]);
    }
    push({
      id: 'source.tables.generated',
      title: 'Generated columns',
      status: 'pass',
      detail: byTable.size
        ? `${byTable.size} table(s) have generated columns: they are recreated from their expressions on the sink and never written.`
        : 'No generated columns.',
      tables: byTable.size ? [...byTable].map(([t, cols]) => `${t} (${cols.join(', ')})`) : undefined,
    });
  });

  const nonInnodb = tables.filter((t) => t.engine.toLowerCase() !== 'innodb');
  push(
    nonInnodb.length
      ? {
          id: 'source.tables.engine',
          title: 'Storage engines',
          status: 'warn',
          detail:
            `${nonInnodb.length} table(s) are not InnoDB: without transactions they cannot be read in a consistent snapshot ` +
            '(MyISAM/Aria rows written during the copy may be missed or seen twice until the stream catches up).',
          fix: [
            ...nonInnodb.slice(0, 10).map((t) => `ALTER TABLE ${quoteId(t.db)}.${quoteId(t.table)} ENGINE = InnoDB;`),
            ...(nonInnodb.length > 10 ? [`… and the same for the other ${nonInnodb.length - 10} table(s)`] : []),
          ].join('\n'),
          tables: nonInnodb.map((t) => `${shown(t.db, t.table)} (${t.engine || 'unknown engine'})`),
        }
      : { id: 'source.tables.engine', title: 'Storage engines', status: 'pass', detail: 'Every table is InnoDB.' },
  );

  await objectsItem(items, opts.deferredCreatedAt ?? null, opts.sinkObjects, 'source.triggers', 'Triggers', 'trigger', 'on the sink they would fire on copied and streamed rows and change them twice', async () => {
    const rows = await queryRows<{ db: string; name: string; tdb: string; tbl: string }>(
      conn,
      `SELECT TRIGGER_SCHEMA AS db, TRIGGER_NAME AS name, EVENT_OBJECT_SCHEMA AS tdb, EVENT_OBJECT_TABLE AS tbl
         FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA IN (?) ORDER BY 1, 2`,
      [databases],
    );
    return rows
      .filter((r) => tableKeys.has(key(String(r.tdb), String(r.tbl))))
      .map((r) => `${shown(String(r.db), String(r.name))} (on ${shown(String(r.tdb), String(r.tbl))})`);
  });
  await objectsItem(items, opts.deferredCreatedAt ?? null, opts.sinkObjects, 'source.routines', 'Stored routines', 'routine', 'the copy moves table data only', async () => {
    const rows = await queryRows<{ db: string; name: string; type: string }>(
      conn,
      `SELECT ROUTINE_SCHEMA AS db, ROUTINE_NAME AS name, ROUTINE_TYPE AS type FROM information_schema.ROUTINES
        WHERE ROUTINE_SCHEMA IN (?) ORDER BY 1, 2`,
      [databases],
    );
    return rows.map((r) => `${shown(String(r.db), String(r.name))} (${String(r.type).toLowerCase()})`);
  });
  await objectsItem(items, opts.deferredCreatedAt ?? null, opts.sinkObjects, 'source.events', 'Events', 'event', 'on the sink they would run as well as on the source', async () => {
    const rows = await queryRows<{ db: string; name: string; status: string }>(
      conn,
      `SELECT EVENT_SCHEMA AS db, EVENT_NAME AS name, STATUS AS status FROM information_schema.EVENTS
        WHERE EVENT_SCHEMA IN (?) ORDER BY 1, 2`,
      [databases],
    );
    return rows.map((r) => `${shown(String(r.db), String(r.name))} (${String(r.status).toLowerCase()})`);
  });

  return { databases, tables };
}

/**
 * Binlog retention: how long the stream can be stopped before the position it needs is purged. With the
 * binary log off there are no binlogs to keep: the item says so with the status and fix of "Binary log"
 * (`need`: fail for a streaming job, warn for a copy). Pure.
 */
export function retentionItem(info: ServerInfo, v: Map<string, string>, need: CheckStatus = 'fail', binlogFix?: string): CheckItem {
  const base = { id: 'source.binlog.retention', side: 'source' as const, title: 'Binlog retention' };
  if (!isOn(v.get('log_bin')))
    return {
      ...base,
      status: need,
      detail: 'No binlogs are written (log_bin = OFF), so none are kept: there is nothing for a stream to read or resume from.',
      ...(binlogFix ? { fix: binlogFix } : {}),
    };
  const seconds = Number(v.get('binlog_expire_logs_seconds') ?? '0');
  const days = Number(v.get('expire_logs_days') ?? '0');
  const effective = seconds > 0 ? seconds : days > 0 ? Math.round(days * 86400) : 0;
  const disk = 'watch disk space on the source, and run PURGE BINARY LOGS once the cutover is done';
  if (v.get('binlog_expire_logs_auto_purge') !== undefined && !isOn(v.get('binlog_expire_logs_auto_purge')))
    return { ...base, status: 'pass', detail: `binlog_expire_logs_auto_purge = OFF: binlogs are never purged automatically; ${disk}.` };
  if (effective === 0) return { ...base, status: 'pass', detail: `Binlogs never expire; ${disk}.` };
  const human = effective % 86400 === 0 ? `${effective / 86400} day(s)` : `${(effective / 3600).toFixed(1)} hour(s)`;
  if (effective >= 86400) return { ...base, status: 'pass', detail: `Binlogs are kept for ${human}: the stream can be stopped that long and resume.` };
  const hasSeconds = v.has('binlog_expire_logs_seconds') && (info.flavor === 'mysql' || versionAtLeast(info, 10, 6));
  return {
    ...base,
    status: 'warn',
    detail: `Binlogs are kept for only ${human}: if the stream is stopped longer (a long copy, a night), the position it needs is purged and the copy must start again.`,
    fix: hasSeconds ? persistSql(info, 'binlog_expire_logs_seconds', '604800') : persistSql(info, 'expire_logs_days', '7'),
  };
}

async function objectsItem(
  items: CheckItem[],
  createdAt: number | null,
  sink: SourceCheckOptions['sinkObjects'],
  id: string,
  title: string,
  noun: string,
  why: string,
  list: () => Promise<string[]>,
): Promise<void> {
  await guarded(items, { id, side: 'source', title }, async () => {
    const found = await list();
    if (found.length && createdAt !== null) {
      // After the switch: the cutover assistant's step has created them on the sink.
      const when = new Date(createdAt).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
      items.push({ id, side: 'source', title, status: 'pass', detail: `${found.length} ${noun}(s) found: created on the sink by the cutover assistant (${when}).`, tables: found });
      return;
    }
    if (found.length && sink && !sink.created) {
      // A sink that does not take MySQL's definitions (PostgreSQL, Kafka): they are never created there.
      items.push({
        id,
        side: 'source',
        title,
        status: 'warn',
        detail: `${found.length} ${noun}(s) found: not translated for a ${sink.title} sink, neither during the copy nor at cutover (Cutover moves table data; MySQL ${noun} definitions do not carry over).`,
        fix: `If the application needs them, write each ${noun} again for ${sink.title} and create it on the sink after the switch.`,
        tables: found,
      });
      return;
    }
    items.push(
      found.length
        ? {
            id,
            side: 'source',
            title,
            status: 'warn',
            detail: `${found.length} ${noun}(s) found: not created during the copy (${why}); Cutover creates them at cutover.`,
            fix: `Nothing to do now; at cutover, check that each ${noun} exists on the sink (definers must exist there too).`,
            tables: found,
          }
        : { id, side: 'source', title, status: 'pass', detail: `No ${noun}s.` },
    );
  });
}
