// The job's headline numbers: rows copied, throughput, events/s, lag and how far behind. An unknown
// value shows "—" with a short reason; the tiles that matter in the current phase are emphasised
// (rows copied and rate while copying, events and lag while catching up or streaming).
import type { ReactNode } from 'react';
import type { JobStatus } from '../../../shared/api';
import { ProgressBar } from '../components/ProgressBar';
import type { LatestSample } from '../widgets/live-chart/metric-feed';
import { formatBytes, formatDuration, formatLag, formatNumber, formatPercent, formatRate } from '../format';

const COPY_PHASES = new Set(['schema', 'copying', 'views']);
const STREAM_PHASES = new Set(['catching-up', 'catching up', 'streaming']);
const AFTER_COPY_PHASES = new Set([...STREAM_PHASES, 'done']);

interface TileProps {
  label: string;
  /** null: unknown, shown as "—" with `reason`. */
  value: ReactNode | null;
  reason?: string;
  sub?: ReactNode;
  tone?: 'warn' | 'error';
  emphasis?: boolean;
  testId?: string;
}

function Tile({ label, value, reason, sub, tone, emphasis, testId }: TileProps) {
  const cls = ['tile', tone ? `tile-${tone}` : '', emphasis ? 'tile-emphasis' : ''].filter(Boolean).join(' ');
  const unknown = value === null;
  return (
    <div className={cls} data-testid={testId} data-emphasis={emphasis || undefined}>
      <dt className="tile-label">{label}</dt>
      <dd className={`tile-value num${unknown ? ' tile-unknown' : ''}`}>{unknown ? '—' : value}</dd>
      {unknown ? reason && <dd className="tile-sub tile-reason">{reason}</dd> : sub && <dd className="tile-sub num">{sub}</dd>}
    </div>
  );
}

/** Why the stream's numbers are not known yet. */
function streamReason(status: JobStatus): string {
  if (status.mode === 'snapshot') return 'snapshot job, no stream';
  if (STREAM_PHASES.has(status.phase)) return 'waiting for the first sample';
  if (status.phase === 'done') return 'the stream has ended';
  return status.mode === 'stream' ? 'stream not started' : 'starts after the copy';
}


/**
 * `latest`: the newest chart sample; when given, the events and lag cards show its numbers, the same
 * ones the charts end with (the status's own stream numbers are then not used for them).
 */
export function SummaryTiles({ status, latest }: { status: JobStatus; latest?: LatestSample | null }) {
  const s = status.stream;
  const streams = status.mode !== 'snapshot';
  const copies = status.mode !== 'stream';
  const copying = COPY_PHASES.has(status.phase);
  const streaming = STREAM_PHASES.has(status.phase);
  const copyOver = AFTER_COPY_PHASES.has(status.phase);
  const ev = s?.eventsPerSecond;
  const fromChart = latest !== undefined;
  const events = fromChart ? (latest?.eventsPerSecond ?? null) : ev ? ev.inserts + ev.updates + ev.deletes : null;
  const lagSeconds = fromChart ? (latest?.lagSeconds ?? null) : (s?.lagSeconds ?? null);
  const noStream = streamReason(status);

  let lag: ReactNode | null = null;
  let lagReason = noStream;
  if (lagSeconds === 0 && s?.caughtUp) {
    lag = (
      <>
        {formatLag(0)}
        <span className="tile-note"> · caught up</span>
      </>
    );
  } else if (lagSeconds != null) {
    lag = formatLag(lagSeconds);
  } else if (s) {
    lagReason = 'not measured yet';
  }

  const copyRateKnown = copying || (!copyOver && status.rowsPerSecond > 0);
  return (
    <dl className="tiles" aria-label="Summary">
      {copies && (
        <Tile
          label="Rows copied"
          testId="tile-rows"
          emphasis={copying}
          value={
            <>
              {formatNumber(status.rowsCopied)}
              {status.estimatedRows > 0 && <ProgressBar value={status.rowsCopied} max={status.estimatedRows} label="Rows copied of estimated" className="tile-progress" />}
            </>
          }
          sub={
            status.estimatedRows > 0 ? (
              <>
                of ~{formatNumber(status.estimatedRows)} ({formatPercent(status.rowsCopied, status.estimatedRows)})
                {copying && status.etaSeconds !== null && <> · ETA {formatDuration(status.etaSeconds)}</>}
              </>
            ) : (
              'no row estimate yet'
            )
          }
        />
      )}
      {copies && (
        <Tile
          label="Copy rate"
          testId="tile-copy-rate"
          emphasis={copying}
          value={copyRateKnown ? formatRate(status.rowsPerSecond, 'rows/s') : null}
          reason={copyOver ? 'copy finished' : 'copy not started'}
          sub={formatRate(status.bytesPerSecond / 1024 / 1024, 'MiB/s')}
        />
      )}
      {streams && (
        <>
          <Tile
            label="Events"
            testId="tile-events"
            emphasis={streaming}
            value={events === null ? null : formatRate(events, 'events/s')}
            reason={noStream}
            sub={ev && !fromChart ? formatRate(ev.transactions, 'transactions/s') : undefined}
          />
          <Tile
            label="Lag"
            testId="tile-lag"
            emphasis={streaming}
            tone={lagSeconds != null && lagSeconds > 60 ? 'warn' : undefined}
            value={lag}
            reason={lagReason}
            sub={s?.heartbeatLagMs != null ? `heartbeat ${formatNumber(s.heartbeatLagMs)} ms` : undefined}
          />
          <Tile
            label="Behind"
            testId="tile-behind"
            value={s?.behindBytes == null ? null : formatBytes(s.behindBytes)}
            reason={s ? 'not measured yet' : noStream}
            sub={s?.behindTxs != null ? `${formatNumber(s.behindTxs)} transactions` : undefined}
          />
        </>
      )}
    </dl>
  );
}
