// The MySQL/MariaDB source driver: the SourceDriver contract over this folder's modules (schema reader,
// snapshot reader, binlog status and retention, binlog reader, heartbeat, preflight).
import { CutoverError } from '../../../shared/errors.js';
import { parseGtid, type MariadbGtidPosition, type MysqlGtidPosition } from '../../../shared/positions.js';
import { connect, parseMysqlUrl, queryRows, type Connection, type ServerAddress } from '../../mysql/connection.js';
import { readServerInfo } from '../../mysql/server-info.js';
import { chunkSums, listChunk, rowMultiset } from '../../mysql/chunk-sums.js';
import type { SourcePosition } from '../../core/position.js';
import type { SourceDriver, SourceSession } from '../driver.js';
import { mysqlSource } from './descriptor.js';
import { BinlogReader } from './binlog-reader.js';
import { checkPositionAvailable, readRetention } from './binlog-retention.js';
import { readBinlogBacklog, readBinlogStatus } from './binlog-status.js';
import { readConsistentPosition, startConsistentSnapshot, withSnapshotLock } from './snapshot-position.js';
import { HEARTBEAT_DB, HEARTBEAT_TABLE, SourceHeartbeat, heartbeatTime, writeFence } from './heartbeat.js';
import { preflightSource } from './preflight.js';
import { freezeWrites, killSessions, openTransactions, readOnlyState, thawWrites, writeBypass } from './freeze.js';
import { databaseDefaults, listBaseTables, listViews, readTable, showCreateView, tableExists } from './schema-reader.js';
import { readCatalog } from './catalog.js';
import { streamChunkBytes } from './chunk-bytes-reader.js';
import { chunkSelectSql, nextBoundary, openDataConnection, rangeWhere, rawQuery, streamChunk, validateFilter } from './snapshot-reader.js';

/** The binlog position of a source position (this driver only ever receives its own kind). */
function binlog(at: SourcePosition): SourcePosition & { kind: 'mysql-binlog' } {
  if (at.kind !== 'mysql-binlog') throw new Error(`a MySQL source cannot read a ${String((at as { kind: unknown }).kind)} position`);
  return at;
}

/** A GTID text as the server's GTID position; a CONFIG error naming the setting when it is neither form. */
function gtidOf(text: string): MariadbGtidPosition | MysqlGtidPosition {
  const g = parseGtid(text);
  if (!g) throw new CutoverError(`"${text}" is not a MariaDB GTID position or a MySQL GTID set`, 'Correct "stream.start.gtid" in the job file.', 'CONFIG');
  return g;
}

/** A session over a connection: `owned` connections are closed with the session. */
export function mysqlSession(conn: Connection, owned = true): SourceSession {
  return {
    listTables: () => listBaseTables(conn),
    listViews: () => listViews(conn),
    viewDefinition: (ref) => showCreateView(conn, ref),
    readTable: (ref) => readTable(conn, ref),
    tableExists: (ref) => tableExists(conn, ref),
    databaseDefaults: (db) => databaseDefaults(conn, db),
    catalog: () => readCatalog(conn),
    currentStatus: () => readBinlogStatus(conn),
    consistentStatus: () => readConsistentPosition(conn),
    startSnapshot: () => startConsistentSnapshot(conn),
    endSnapshot: async () => void (await conn.query('COMMIT')),
    // Only MariaDB reports a snapshot's own position (startConsistentSnapshot, snapshot-position.ts).
    exactSnapshotPositions: async () => (await readServerInfo(conn)).flavor === 'mariadb',
    checkAvailable: (at) => checkPositionAvailable(conn, 'gtid' in at ? gtidOf(at.gtid) : binlog(at)),
    retention: async (at) => {
      const r = await readRetention(conn, binlog(at));
      return { settings: r.settings, secondsLeft: r.secondsLeft };
    },
    backlog: (from) => readBinlogBacklog(conn, binlog(from)),
    nextBoundary: (t, lower, chunkRows) => nextBoundary(conn, t, lower, chunkRows),
    readChunk: (t, lower, upper, onRow, signal) => streamChunk(conn, t, lower, upper, onRow, signal),
    readChunkBytes: (t, lower, upper, onRow, signal) => streamChunkBytes(conn, t, lower, upper, onRow, signal),
    validateFilter: (t) => validateFilter(conn, t),
    chunkSums: (t, lower, upper) => chunkSums(conn, t, lower, upper),
    listChunk: (t, lower, upper) => listChunk(conn, t, lower, upper),
    rowMultiset: (t) => rowMultiset(conn, t),
    readRows: (t, lower, upper, where) => {
      const sql = chunkSelectSql(t, lower, upper);
      return rawQuery(conn, where ? `${sql}${rangeWhere(t, lower, upper) ? ' AND' : ' WHERE'} (${where})` : sql);
    },
    query: (sql) => rawQuery(conn, sql),
    threadsRunning: async () => {
      const [row] = await withSnapshotLock(conn, () => queryRows<{ Value: string }>(conn, "SHOW GLOBAL STATUS LIKE 'Threads_running'"));
      return Number(row?.Value ?? 0);
    },
    destroy: () => {
      if (owned) (conn as unknown as { destroy?: () => void }).destroy?.();
    },
    writeFence: (job) => writeFence(conn, job),
    freezeWrites: () => freezeWrites(conn),
    readOnlyState: () => readOnlyState(conn),
    thawWrites: (previous) => thawWrites(conn, previous),
    writeBypass: () => writeBypass(conn),
    openTransactions: () => openTransactions(conn),
    killSessions: (ids) => killSessions(conn, ids),
    close: async () => {
      if (owned) await conn.end();
    },
  };
}

export const mysqlSourceDriver: SourceDriver = {
  kind: mysqlSource.kind,
  positions: mysqlSource.positions,
  address: (url) => parseMysqlUrl(url),
  async openSession(address: ServerAddress, opts) {
    return mysqlSession(opts?.data ? await openDataConnection(address) : await connect(address));
  },
  sessionOn: (conn) => mysqlSession(conn as Connection, false),
  openChangeReader: (url, from, opts) => BinlogReader.open(url, from, opts),
  heartbeatRows: { table: `${HEARTBEAT_DB}.${HEARTBEAT_TABLE}`, time: (change, job) => heartbeatTime(change, job) },
  startHeartbeat: (url, opts) => SourceHeartbeat.start(url, opts),
  preflight: (url, items, opts) => preflightSource(url, items, opts),
};
