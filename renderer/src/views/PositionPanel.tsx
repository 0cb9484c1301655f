// Binlog positions: where the copy started and ended, where the sink is, where the source is.
import type { JobStatus } from '../../../shared/api';
import { formatDuration, formatNumber } from '../format';
import { KeyValue as Row } from '../components/KeyValue';
import { Time } from '../components/Time';

type Pos = { file: string; pos?: number; gtid?: string | null } | null;

function Position({ p }: { p: Pos }) {
  if (!p) return <span className="muted">—</span>;
  return (
    <span className="position">
      <code>{p.pos === undefined ? p.file : `${p.file}:${p.pos}`}</code>
      {p.gtid && (
        <>
          {' '}
          <span className="muted">GTID</span> <code className="gtid">{p.gtid}</code>
        </>
      )}
    </span>
  );
}

/** A copy-only job has no stream and needs no binlog: when the copy ran, and where the source stood when it began. */
function CopyOnlyPositions({ status }: { status: JobStatus }) {
  const copyDone = status.phase === 'done' || status.state === 'done';
  return (
    <section className="panel" data-testid="position-panel" aria-labelledby="positions-title">
      <h2 id="positions-title" className="panel-title">
        Copy
      </h2>
      <dl className="kv-list">
        <Row label="Copy started">{status.startedAt ? <Time ms={status.startedAt} /> : <span className="muted">not started</span>}</Row>
        <Row label="Copy finished">{copyDone && status.finishedAt ? <Time ms={status.finishedAt} /> : <span className="muted">{status.state === 'running' ? 'in progress' : 'not yet'}</span>}</Row>
        {status.copyStartPosition && (
          <Row label="Source binlog at the start">
            <Position p={status.copyStartPosition} />
          </Row>
        )}
        <Row label="Stream">
          <span className="muted">none: a copy-only job copies the tables once</span>
        </Row>
      </dl>
    </section>
  );
}

export function PositionPanel({ status }: { status: JobStatus }) {
  const s = status.stream;
  const retention = s?.retentionSecondsLeft ?? null;
  const retentionLow = retention !== null && retention < 3600;
  if (status.mode === 'snapshot') return <CopyOnlyPositions status={status} />;
  return (
    <section className="panel" data-testid="position-panel" aria-labelledby="positions-title">
      <h2 id="positions-title" className="panel-title">
        Positions
      </h2>
      <dl className="kv-list">
        {status.mode !== 'stream' && (
          <>
            <Row label="Copy started at">
              <Position p={status.copyStartPosition} />
            </Row>
            <Row label="Copy ended at">
              <Position p={status.copyEndPosition} />
            </Row>
          </>
        )}
        <Row label="Applied (sink)">
          <Position p={s?.applied ?? null} />
        </Row>
        <Row label="Source">
          <Position p={s?.source ?? null} />
        </Row>
        <Row label="Catch-up target">
          <Position p={s?.target ?? null} />
        </Row>
        <Row label="Caught up">{s ? (s.caughtUp ? 'yes' : 'not yet') : <span className="muted">—</span>}</Row>
        <Row label="Binlog retention left" tone={retentionLow ? 'warn' : undefined}>
          {retention === null ? (
            <span className="muted">not at risk</span>
          ) : (
            <span data-testid="retention-left" className={retentionLow ? 'text-warn' : undefined}>
              {retentionLow && <span aria-hidden="true">⚠ </span>}
              {formatDuration(Math.max(0, retention))}
              {retentionLow && ' — the source may purge the binlog the stream still needs'}
            </span>
          )}
        </Row>
        <Row label="Heartbeat lag">
          {s?.heartbeatLagMs == null ? <span className="muted">—</span> : <span className="num">{formatNumber(s.heartbeatLagMs)} ms</span>}
          {s?.heartbeatOnSink && <span className="muted"> (the age of {s.heartbeatOnSink})</span>}
        </Row>
        {s && (
          <Row label="Stream state updated">
            <Time ms={s.updatedAt} relative />
          </Row>
        )}
      </dl>
    </section>
  );
}
