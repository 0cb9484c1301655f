// The MySQL/MariaDB source's preflight as its driver offers it (SourceDriver.preflight): opens and
// identifies the server (engine/mysql/preflight-side.ts), runs the source checks (preflight-source.ts) and
// keeps the connection open for what the sink's checks read of the source's rows (preflight-row-size.ts)
// until closed.
import type { CheckItem } from '../../../shared/preflight.js';
import { openSide } from '../../mysql/preflight-side.js';
import type { SourcePreflight, SourcePreflightOptions } from '../driver.js';
import { checkSource } from './preflight-source.js';
import { largeRows, rowEstimates } from './preflight-row-size.js';

export async function preflightSource(url: string, items: CheckItem[], opts: SourcePreflightOptions): Promise<SourcePreflight> {
  const side = await openSide('source', url, items);
  if (!side) return { tables: [], close: async () => undefined };
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await side.conn.end().catch(() => undefined);
  };
  try {
    const { tables } = await checkSource(side, items, opts);
    return {
      server: { flavor: side.info.flavor, version: side.info.version },
      tables: tables.map((t) => ({ db: t.db, table: t.table })),
      rows: {
        largestRows: (refs, limit) => largeRows(side.conn, refs, limit),
        estimateRows: (refs) => rowEstimates(side.conn, refs),
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
