// "snapshot+stream" into a sink with the `orderedCopy` capability: the stream publishes from the copy's
// start position while the copy runs, and each copied chunk is published at its snapshot's source
// position (chunk-gate.ts). Once every chunk is published, the stream catches up with the source as it is then.
import { CutoverError } from '../../../shared/errors.js';
import { qualified } from '../../../shared/table-selection.js';
import { formatPosition } from '../../core/position.js';
import type { CopyTable } from '../../core/tables.js';
import { sinkOf } from '../../sink/registry.js';
import { StopRequested } from '../stop-requested.js';
import { prepareStreamPhase } from '../stream-phase.js';
import { rowsCopied, viewsPhase, type Copier } from './copy.js';
import { stopCopyHelpers, type JobContext, type RunOutcome } from './context.js';
import { streamEnded, streamOptionsOf } from './stream.js';

export async function copyAlongsideStream(ctx: JobContext, tables: CopyTable[], copy: Copier): Promise<RunOutcome> {
  const { cfg, store, jobId, log } = ctx;
  const inner = new AbortController();
  const stopBoth = (): void => inner.abort();
  ctx.signal.addEventListener('abort', stopBoth, { once: true });
  try {
    if (!(await ctx.meta.exactSnapshotPositions()))
      throw new CutoverError(
        `Copying into ${sinkOf(cfg).title} while streaming ("mode": "snapshot+stream") publishes each chunk at the exact binlog position of its consistent snapshot, which only MariaDB reports (binlog_snapshot_position); on MySQL a chunk could be published after a change it does not contain.`,
        'Stop the writes to the selected tables while a "mode": "snapshot" copy runs, then stream from the position it logged ("mode": "stream", "stream": {"start": {"file": …, "pos": …}}); or copy into a MySQL sink.',
        'CONFIG',
      );
    const target = await ctx.sinkRun.openChangeSink(inner.signal);
    const ordered = target.orderedCopy;
    if (!ordered) throw new Error(`the ${sinkOf(cfg).title} sink declares orderedCopy but its change sink has no copy gate`);
    const copied = (t: CopyTable): boolean => {
      const row = store.table(t.stateId);
      return row.state === 'done' || (row.planned_all === 1 && store.pendingChunks(t.stateId).length === 0);
    };
    for (const t of tables) {
      if (copied(t)) continue;
      if (!t.keyColumns.length) ordered.held.add(qualified(t.source));
      // Until every chunk of the table is published, a read of a key may follow a change of it: its
      // changes are marked for the consumers (README, "Snapshot order in a topic").
      ordered.copying.set(qualified(t.source), () => copied(t));
    }
    const runner = await prepareStreamPhase({ ...streamOptionsOf(ctx, tables, inner.signal), openTarget: async () => target, copyAlongside: true });
    store.setJob(jobId, { phase: 'copying' });
    let streamError: unknown = null;
    const streaming = runner.run().then(
      (outcome) => {
        ordered.gate.fail(new StopRequested());
        return outcome;
      },
      (e) => {
        streamError = e;
        ordered.gate.fail(e);
        inner.abort();
        throw e;
      },
    );
    streaming.catch(() => undefined);
    try {
      await copy(inner.signal, ordered.gate);
    } catch (e) {
      inner.abort();
      await streaming.catch(() => undefined);
      throw streamError ?? e;
    }
    stopCopyHelpers(ctx);
    await viewsPhase(ctx, tables, false);
    const end = await ctx.meta.currentStatus();
    store.setJob(jobId, { copy_end_position: JSON.stringify(end) });
    log.info(`copy published: ${tables.length} table(s), ${rowsCopied(ctx).toLocaleString('en-US')} rows; catching up with the source at ${formatPosition(end.file)}`);
    runner.setTarget(end.file);
    return streamEnded(ctx, await streaming);
  } finally {
    ctx.signal.removeEventListener('abort', stopBoth);
  }
}
