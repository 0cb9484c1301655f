// A MariaDB of a test's own without --log-bin (own-mariadb.ts), for what a source with the binlog off must
// do: its port is the suite's source port plus `offset`, so suites on other port bases keep apart.
import { startOwnMariadb, type OwnMariadb } from './own-mariadb.js';

export type BinlogOffServer = OwnMariadb;

export function startBinlogOffServer(name: string, offset: number, serverId: number): Promise<BinlogOffServer> {
  return startOwnMariadb(name, offset, serverId, []);
}
