// The texts of MySQL/MariaDB binlog positions a job file may name (`stream.start`): a file position and the
// GTID forms of both servers. The engine's position type is engine/core/position.ts (opaque, tagged); these
// are the config-side syntax checks and the GTID shapes the MySQL source reads from its server.

/** A MySQL GTID set, e.g. "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,…". */
export interface MysqlGtidPosition {
  kind: 'mysql-gtid';
  gtidSet: string;
}

/** A MariaDB GTID position: one domain-server-sequence per replication domain, e.g. "0-1-51,1-2-7". */
export interface MariadbGtidPosition {
  kind: 'mariadb-gtid';
  gtidPos: string;
}

export type GtidPosition = MysqlGtidPosition | MariadbGtidPosition;

const FILE_RE = /^(.+)\.(\d+)$/;

/** "mysql-bin.000042:4" as its file and offset; null when the text is not one. */
export function parseFilePosition(text: string): { file: string; pos: number } | null {
  const i = text.lastIndexOf(':');
  if (i <= 0) return null;
  const file = text.slice(0, i);
  const pos = Number(text.slice(i + 1));
  if (!FILE_RE.test(file) || !Number.isSafeInteger(pos) || pos < 4) return null;
  return { file, pos };
}

const MARIADB_GTID = /^\d+-\d+-\d+$/;
const MYSQL_GTID_ITEM = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(:[A-Za-z0-9_]{0,32})?(:\d+(-\d+)?)+$/i;

export function isMariadbGtidPos(s: string): boolean {
  const parts = s.split(',').map((p) => p.trim());
  return parts.length > 0 && parts.every((p) => MARIADB_GTID.test(p));
}

export function isMysqlGtidSet(s: string): boolean {
  const parts = s.replace(/\s+/g, '').split(',');
  return parts.length > 0 && parts.every((p) => MYSQL_GTID_ITEM.test(p));
}

/** A GTID text in either flavour's syntax, recognised by its shape. */
export function parseGtid(text: string): MysqlGtidPosition | MariadbGtidPosition | null {
  const s = text.trim();
  if (isMariadbGtidPos(s)) return { kind: 'mariadb-gtid', gtidPos: s.split(',').map((p) => p.trim()).join(',') };
  if (isMysqlGtidSet(s)) return { kind: 'mysql-gtid', gtidSet: s.replace(/\s+/g, '') };
  return null;
}

export function formatGtidPosition(p: GtidPosition): string {
  return p.kind === 'mysql-gtid' ? p.gtidSet : p.gtidPos;
}

/** The sequence number in a binlog file name: mysql-bin.000042 → 42. */
export function fileSequence(file: string): number {
  const m = FILE_RE.exec(file);
  return m ? Number(m[2]) : NaN;
}
