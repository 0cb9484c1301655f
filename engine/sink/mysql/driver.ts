// MySQL/MariaDB as a sink: the copy writer (MysqlSink), the change sink (checkpoint row in the sink, in the
// data's transaction), the verifier, and the checkpoint's ownership.
import { mysqlSinkUrl, type JobConfig } from '../../../shared/job-config.js';
import { sinkName } from '../../../shared/table-selection.js';
import { connect, parseMysqlUrl } from '../../mysql/connection.js';
import { quoteId, quoteTable } from '../../mysql/identifiers.js';
import { openMysqlTarget } from './mysql-stream-target.js';
import { openMysqlVerifier } from './verifier.js';
import { repairMysql } from './repair.js';
import type { SinkDriver, SinkRun } from '../driver.js';
import { CHECKPOINT_DB, CHECKPOINT_TABLE } from './change-applier.js';
import { claimSinkCheckpoint } from './checkpoint-owner.js';
import { MysqlSink } from './mysql-sink.js';
import { forgetOffsets, MysqlOffsetTarget } from './offset-target.js';

export const mysqlDriver: SinkDriver = {
  kind: 'mysql',
  async openRun(ctx): Promise<SinkRun> {
    const { cfg } = ctx;
    const url = mysqlSinkUrl(cfg, 'The copy');
    const copy = await MysqlSink.open({
      address: parseMysqlUrl(url),
      batchBytes: cfg.sink.type === 'mysql' ? cfg.sink.batchBytes : undefined,
      mapTable: (r) => sinkName(cfg, r),
      databaseDefaults: (db) => ctx.databaseDefaults(db),
      streamFollows: cfg.mode === 'snapshot+stream',
    });
    return {
      copy,
      batchBytes: Math.floor(copy.maxStatementBytes / 2),
      openChangeSink: () => openMysqlTarget(cfg, ctx.owner),
      openOffsetTarget: () => MysqlOffsetTarget.open(url, cfg.name, ctx.owner),
      dispose: async () => undefined,
    };
  },
  openVerifier: (ctx) => openMysqlVerifier(ctx),
  repair: (o) => repairMysql(o),
  async claimCheckpoint(cfg, owner, policy, log) {
    await claimSinkCheckpoint(mysqlSinkUrl(cfg, 'Streaming'), cfg.name, owner, policy, log);
  },
  async emptyTable(cfg, table) {
    const conn = await connect(parseMysqlUrl(mysqlSinkUrl(cfg, 'Emptying a table')));
    try {
      await conn.query(`TRUNCATE TABLE ${quoteTable(table)}`).catch((e: { errno?: number }) => {
        if (e.errno !== 1146) throw e; // not created yet: nothing to empty
      });
    } finally {
      await conn.end().catch(() => undefined);
    }
  },
  async forgetCheckpoint(cfg: Pick<JobConfig, 'name' | 'sink'>, why: string): Promise<boolean> {
    const conn = await connect(parseMysqlUrl(mysqlSinkUrl(cfg, why)));
    try {
      const [r] = (await conn.query(`DELETE FROM ${quoteId(CHECKPOINT_DB)}.${quoteId(CHECKPOINT_TABLE)} WHERE job = ?`, [cfg.name]).catch((e: { errno?: number }) => {
        if (e.errno === 1146 || e.errno === 1049) return [{ affectedRows: 0 }]; // never streamed here: no checkpoint table
        throw e;
      })) as [{ affectedRows: number }];
      const offsets = await forgetOffsets(conn, cfg.name);
      return r.affectedRows > 0 || offsets > 0;
    } finally {
      await conn.end().catch(() => undefined);
    }
  },
};
