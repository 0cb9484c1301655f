// MySQL/MariaDB as a source: what it can do, before its driver (and zongji) is loaded.
import { positionOrder } from '../../core/position.js';
import type { SourceDescriptor } from '../driver.js';

export const mysqlSource: SourceDescriptor = {
  kind: 'mysql',
  title: 'MySQL/MariaDB',
  capabilities: {
    consistentSnapshot: true,
    keyRanges: true,
    heartbeat: true,
    gtid: true,
    checksums: true,
    partitionOffsets: false,
  },
  positions: positionOrder('mysql-binlog'),
  resolveFile: async (file, tools) => {
    if (file.type === 'kafka') throw new Error('not a MySQL source');
    return { url: await tools.mysqlUrl(file, 'source') };
  },
  load: async () => (await import('./driver.js')).mysqlSourceDriver,
};
