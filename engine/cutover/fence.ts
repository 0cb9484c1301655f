// When has the sink applied the fence? The fence is a transaction on the source (a heartbeat row, see
// writeFence in engine/source/mysql/heartbeat.ts); the stream's applied position says how far the sink
// is. MariaDB gives the fence's own GTID, which is exact: the sink has it once it applied a transaction
// of the same replication domain with at least that sequence number. Otherwise (MySQL, no GTID) the
// binlog position read right after the fence commit is used, which is at or after the fence.
import type { SourcePosition } from '../core/position.js';
import { comparePositions } from '../core/position.js';

export interface FenceMark {
  /** The source's binlog position right after the fence committed. */
  position: SourcePosition;
  /** The fence transaction's MariaDB GTID ("domain-server-seq"), when known. */
  gtid: string | null;
}

const MARIADB_GTID = /^(\d+)-(\d+)-(\d+)$/;

export function fenceReached(mark: FenceMark, applied: { file: string; pos: number; gtid: string | null }): boolean {
  const f = mark.gtid ? MARIADB_GTID.exec(mark.gtid.trim()) : null;
  if (f && applied.gtid) {
    for (const part of applied.gtid.split(',')) {
      const a = MARIADB_GTID.exec(part.trim());
      if (a && a[1] === f[1] && BigInt(a[3]!) >= BigInt(f[3]!)) return true;
    }
  }
  return comparePositions({ kind: 'mysql-binlog', file: applied.file, pos: applied.pos }, mark.position) >= 0;
}
