// The lag of each topic-partition (messages behind its end) over the samples the dashboard received: an
// SVG line per partition over at most lag-history's MAX_POINTS samples (10 minutes at 1 Hz), with a
// legend and a spoken summary of the latest values.
import { formatNumber } from '../../format';
import { seriesOf, type LagPoint } from './lag-history';

const W = 600;
const H = 140;
const COLORS = ['var(--accent)', '#c2410c', '#15803d', '#7c3aed', '#be185d', '#0369a1', '#a16207', '#4d7c0f'];

export function PartitionLagChart({ history }: { history: readonly LagPoint[] }) {
  const series = seriesOf(history);
  if (history.length < 2 || !series.length)
    return (
      <p className="widget-empty small" data-testid="lag-chart-empty">
        The lag per partition is drawn here once two samples have arrived.
      </p>
    );
  const t0 = history[0]!.ts;
  const span = Math.max(1, history[history.length - 1]!.ts - t0);
  let max = 0;
  for (const p of history) for (const v of Object.values(p.lags)) if (v !== null && v > max) max = v;
  const top = Math.max(1, max);
  const latest = history[history.length - 1]!.lags;
  const summary = series.map((s) => `${s}: ${latest[s] === null || latest[s] === undefined ? 'unknown' : `${formatNumber(latest[s]!)} messages`}`).join('; ');
  return (
    <figure className="lag-chart" data-testid="lag-chart">
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" height={H} role="img" aria-label={`Lag per partition, last ${Math.round(span / 1000)} s, up to ${formatNumber(max)} messages. Now: ${summary}`}>
        <line x1="0" y1={H - 1} x2={W} y2={H - 1} stroke="currentColor" strokeOpacity="0.3" />
        {series.map((s, i) => {
          const pts = history
            .filter((p) => p.lags[s] !== null && p.lags[s] !== undefined)
            .map((p) => `${(((p.ts - t0) / span) * W).toFixed(1)},${(H - 2 - ((p.lags[s] as number) / top) * (H - 6)).toFixed(1)}`);
          if (!pts.length) return null;
          return <polyline key={s} points={pts.join(' ')} fill="none" stroke={COLORS[i % COLORS.length]} strokeWidth="2" data-series={s} />;
        })}
      </svg>
      <figcaption className="small">
        <span className="muted">Lag in messages, 0 – {formatNumber(max)}, last {Math.round(span / 1000)} s: </span>
        {series.map((s, i) => (
          <span key={s} className="lag-legend">
            <svg width="10" height="10" aria-hidden="true" focusable="false">
              <rect width="10" height="10" fill={COLORS[i % COLORS.length]} />
            </svg>{' '}
            {s} {latest[s] === null || latest[s] === undefined ? '—' : formatNumber(latest[s]!)}{' '}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
