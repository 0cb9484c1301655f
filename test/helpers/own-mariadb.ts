// A MariaDB of a test's own (scripts/test-services.mjs), for what the lane's shared servers are not set up
// for: its port is the suite's source port plus `offset` (below 99, where the next lane begins), its
// services folder the suite's (CUTOVER_TEST_SERVICES), so suites on other port bases keep apart.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, sourceUrl } from './db.js';

interface Instance {
  name: string;
  port: number;
  serverId: number;
  extra: string[];
}
interface Services {
  startInstance(inst: Instance): Promise<{ url: string }>;
  stopInstance(inst: Instance, o: { wipe: boolean }): Promise<void>;
}

export interface OwnMariadb {
  url: string;
  stop(): Promise<void>;
}

/** Starts (or reuses) the instance `name` with mariadbd's `extra` options; `stop()` wipes its data. */
export async function startOwnMariadb(name: string, offset: number, serverId: number, extra: string[]): Promise<OwnMariadb> {
  const services = (await import(pathToFileURL(join(ROOT, 'scripts/test-services.mjs')).href)) as Services;
  const prefix = (JSON.parse(process.env.CUTOVER_TEST_SERVICES ?? '{"prefix":"test"}') as { prefix: string }).prefix;
  const inst: Instance = { name: `${prefix}-${name}`, port: Number(new URL(sourceUrl()).port) + offset, serverId, extra };
  const { url } = await services.startInstance(inst);
  return { url, stop: () => services.stopInstance(inst, { wipe: true }) };
}

/** The binlog options a server needs to be a source (of a reverse job, say): ROW, FULL image, full row metadata. */
export const SOURCE_BINLOG = ['--log-bin=mysql-bin', '--binlog-format=ROW', '--binlog-row-image=FULL', '--binlog-row-metadata=FULL'];
