// The stream's MySQL/MariaDB target: the change applier (checkpoint row in the sink, in the same
// transaction as the data; a large source transaction in pieces, in one sink transaction) and DDL mapped
// and run on the sink (stream-ddl.ts).
import { mysqlSinkUrl, type JobConfig } from '../../../shared/job-config.js';
import { ChangeApplier, type CheckpointOwnerColumns } from './change-applier.js';
import { applyHeld, heldApplied } from './held-changes.js';
import { handleDdl, refreshTables, type DdlContextBase } from '../../pipeline/stream-ddl.js';
import type { StreamTarget } from '../stream-target.js';

export async function openMysqlTarget(cfg: JobConfig, owner?: CheckpointOwnerColumns): Promise<StreamTarget<DdlContextBase>> {
  const applier = await ChangeApplier.open(mysqlSinkUrl(cfg, 'Streaming'), { jobName: cfg.name, tables: new Map(), owner });
  return {
    checkpoint: () => applier.checkpoint(),
    setCheckpoint: (end, gtid) => applier.setCheckpoint(end, gtid),
    setTable: (name, t) => applier.setTable(name, t),
    table: (name) => applier.table(name),
    apply: (txs, mode) => applier.apply(txs, mode),
    prepare: (txs, mode) => applier.prepare(txs, mode),
    applyPiece: (piece, mode) => applier.applyPiece(piece, mode),
    ddl: (ctx, ev, reconciling) => handleDdl({ ...ctx, applier }, ev, reconciling),
    heldSink: (ctx) => ({
      heldApplied: (table, from) => heldApplied(applier.connection, cfg.name, table, from),
      applyHeld: (table, from, changes, mode) => applyHeld(applier, cfg.name, table, from, changes, mode),
      adoptDefinition: async (table, from, ddl) => {
        const dot = table.indexOf('.');
        await refreshTables({ ...ctx, applier }, { end: from, sql: ddl }, [{ db: table.slice(0, dot), table: table.slice(dot + 1) }], null);
      },
    }),
    close: () => applier.close(),
  };
}
