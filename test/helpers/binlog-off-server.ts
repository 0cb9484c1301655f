// A MariaDB of a test's own without --log-bin (scripts/test-services.mjs), for what a source with the
// binlog off must do: its port is the suite's source port plus `offset`, so suites on other port bases
// keep apart.
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

export interface BinlogOffServer {
  url: string;
  stop(): Promise<void>;
}

export async function startBinlogOffServer(name: string, offset: number, serverId: number): Promise<BinlogOffServer> {
  const services = (await import(pathToFileURL(join(ROOT, 'scripts/test-services.mjs')).href)) as Services;
  const prefix = (JSON.parse(process.env.CUTOVER_TEST_SERVICES ?? '{"prefix":"test"}') as { prefix: string }).prefix;
  const inst: Instance = { name: `${prefix}-${name}`, port: Number(new URL(sourceUrl()).port) + offset, serverId, extra: [] };
  const { url } = await services.startInstance(inst);
  return { url, stop: () => services.stopInstance(inst, { wipe: true }) };
}
