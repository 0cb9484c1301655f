// Where the source's binlog stands now, and which binlog files it still has (retention).
import type { FilePosition, MariadbGtidPosition, MysqlGtidPosition } from '../../../shared/positions.js';
import type { Connection } from './connection.js';
import { queryRows } from './connection.js';
import { binlogStatusSql, readServerInfo, type ServerInfo } from './server-info.js';

export interface BinlogStatus {
  file: FilePosition;
  /** The server's GTID position when it has one (MariaDB gtid_binlog_pos, MySQL gtid_executed). */
  gtid: MysqlGtidPosition | MariadbGtidPosition | null;
}

export async function readBinlogStatus(conn: Connection, info?: ServerInfo): Promise<BinlogStatus> {
  const server = info ?? (await readServerInfo(conn));
  const [row] = await queryRows<Record<string, string | number>>(conn, binlogStatusSql(server));
  if (!row) throw new Error('the binary log is off on the source (log_bin = OFF)');
  const file: FilePosition = { kind: 'file', file: String(row.File), pos: Number(row.Position) };
  let gtid: BinlogStatus['gtid'] = null;
  if (server.flavor === 'mariadb') {
    const [g] = await queryRows<{ g: string | null }>(conn, 'SELECT @@gtid_binlog_pos AS g');
    if (g?.g) gtid = { kind: 'mariadb-gtid', gtidPos: String(g.g) };
  } else {
    const set = String(row.Executed_Gtid_Set ?? '').replace(/\s+/g, '');
    if (set) gtid = { kind: 'mysql-gtid', gtidSet: set };
  }
  return { file, gtid };
}

export interface BinlogFile {
  name: string;
  bytes: number;
}

/** The binlog files the source still has, oldest first (SHOW BINARY LOGS). */
export async function listBinlogFiles(conn: Connection): Promise<BinlogFile[]> {
  const rows = await queryRows<{ Log_name: string; File_size: number | string }>(conn, 'SHOW BINARY LOGS');
  return rows.map((r) => ({ name: String(r.Log_name), bytes: Number(r.File_size) }));
}
