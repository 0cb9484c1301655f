// Three live time-series charts of a job (copy rows/s, stream events/s, stream lag), drawn with uPlot on
// canvas. Samples live in a fixed-capacity ring buffer (24 h at 1 Hz); the visible range is downsampled
// to about two points per pixel column before drawing, and redraws are batched to at most once a second.
import { useEffect, useMemo, useRef, useState } from 'react';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { CutoverApi } from '../../../../shared/api.js';
import { formatDuration, formatLag, formatNumber, formatRate, formatTime } from '../../format.js';
import { downsampleMinMax, visibleWindow } from './downsample.js';
import { useMetricFeed, type MetricFeed } from './metric-feed.js';
import type { MetricRing } from './ring-buffer.js';
import './MetricsCharts.css';

export interface MetricsChartsProps {
  api: CutoverApi;
  job: string;
  /** The job's samples, shared with the summary cards (metric-feed.ts); loaded here when absent. */
  feed?: MetricFeed;
  /** The job streams: the stream's charts are drawn (a copy-only job shows only the copy's). */
  streams?: boolean;
  /** Which charts measure something now (the copy runs; the stream runs): the others head "—" like the cards, not their last sample. */
  live?: { copy: boolean; stream: boolean };
}

export const TIME_RANGES = [
  { key: '5m', label: '5 min', name: 'the last 5 minutes', seconds: 300 },
  { key: '1h', label: '1 h', name: 'the last hour', seconds: 3_600 },
  { key: '6h', label: '6 h', name: 'the last 6 hours', seconds: 21_600 },
  { key: 'all', label: 'All', name: 'the whole run', seconds: null },
] as const;
export type TimeRangeKey = (typeof TIME_RANGES)[number]['key'];

const CHART_HEIGHT = 160;

interface ChartDef {
  testId: string;
  series: number;
  title: string;
  /** For the screen-reader summary and the canvas label. */
  spoken: string;
  colorVar: string;
  empty: string;
  format(v: number): string;
  axis(v: number): string;
}


const CHARTS: readonly ChartDef[] = [
  {
    testId: 'chart-rows',
    series: 0,
    title: 'Copy',
    spoken: 'Rows copied per second',
    colorVar: '--accent',
    empty: "No samples yet — the copy's rows/s appear here once it starts",
    format: (v) => formatRate(v, 'rows/s'),
    axis: compact,
  },
  {
    testId: 'chart-events',
    series: 1,
    title: 'Stream',
    spoken: 'Streamed row events per second',
    colorVar: '--ok',
    empty: "No samples yet — the stream's events/s appear here once it starts",
    format: (v) => formatRate(v, 'events/s'),
    axis: compact,
  },
  {
    testId: 'chart-lag',
    series: 2,
    title: 'Lag',
    spoken: 'Stream lag in seconds',
    colorVar: '--warn',
    empty: "No samples yet — the stream's lag appears here once it starts",
    format: formatLag,
    axis: (v) => (v >= 60 ? formatDuration(v) : `${compact(v)}s`),
  },
];

/** Axis labels: 950, 12k, 1.5M. */
export function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${trim(v / 1e9)}G`;
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e3) return `${trim(v / 1e3)}k`;
  return trim(v);
}
const trim = (v: number): string => String(Math.round(v * 10) / 10);

/** A CSS hex color (#rgb or #rrggbb) with an alpha, for the fill under a line; null for other notations. */
export function withAlpha(color: string, alpha: number): string | null {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (!m) return null;
  const hex = m[1]!.length === 3 ? m[1]!.replace(/./g, (c) => c + c) : m[1]!;
  const n = parseInt(hex, 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

type UPlotClass = typeof uPlot;
let uplotModule: Promise<UPlotClass> | null = null;
/**
 * uPlot is loaded on first use, only where a canvas can draw: it touches window.matchMedia when imported,
 * which jsdom lacks, and the dashboard can show before the charts are needed.
 */
function loadUPlot(): Promise<UPlotClass> {
  uplotModule ??= import('uplot').then((m) => m.default);
  return uplotModule;
}

let drawable: boolean | undefined;
/** Whether this environment can draw on a canvas (jsdom cannot). */
export function canvasAvailable(): boolean {
  if (drawable === undefined) {
    try {
      drawable = typeof document !== 'undefined' && document.createElement('canvas').getContext('2d') != null;
    } catch {
      drawable = false;
    }
  }
  return drawable;
}

export function MetricsCharts({ api, job, feed, streams = true, live = { copy: true, stream: true } }: MetricsChartsProps) {
  const own = useMetricFeed(feed ? null : api, job);
  const { ring, version, loading, error } = feed ?? own;
  const [range, setRange] = useState<TimeRangeKey>('5m');
  const theme = useThemeKey();

  const rangeDef = TIME_RANGES.find((r) => r.key === range) ?? TIME_RANGES[0];

  // One copy of the visible window per flush, shared by the three charts.
  const view = useMemo(() => {
    const win = visibleWindow(rangeDef.seconds, ring.firstTs, ring.lastTs);
    const slice = win ? ring.slice(win.from, win.to) : null;
    return { win, slice, held: ring.length, lastTs: ring.lastTs };
  }, [ring, version, rangeDef.seconds]);

  return (
    <section className="mc" aria-label="Live charts">
      <div className="toolbar mc-toolbar">
        <div className="mc-ranges" role="group" aria-label="Time range">
          {TIME_RANGES.map((r) => (
            <button
              key={r.key}
              type="button"
              className="mc-range"
              aria-pressed={r.key === range}
              onClick={() => setRange(r.key)}
            >
              {r.label}
            </button>
          ))}
        </div>
        {loading && <span className="mc-status">Loading history…</span>}
        {error && (
          <span className="mc-status mc-error" role="alert">
            Could not load the chart history: {error}
          </span>
        )}
      </div>
      <div className="mc-grid">
        {CHARTS.filter((def) => streams || def.series === 0).map((def) => (
          <Chart key={def.testId} def={def} ring={ring} view={view} rangeName={rangeDef.name} theme={theme} live={def.series === 0 ? live.copy : live.stream} />
        ))}
      </div>
    </section>
  );
}

interface ChartProps {
  def: ChartDef;
  ring: MetricRing;
  view: {
    win: { from: number; to: number } | null;
    slice: { ts: Float64Array; series: Float64Array[] } | null;
    held: number;
    lastTs: number | null;
  };
  rangeName: string;
  theme: number;
  /** The measured thing runs now: the head shows the newest sample; else "—". */
  live: boolean;
}

function Chart({ def, ring, view, rangeName, theme, live }: ChartProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const winRef = useRef(view.win);
  winRef.current = view.win;
  const [width, setWidth] = useState(0);

  const latest = ring.latest(def.series);
  const current = live && latest && latest.ts === view.lastTs ? latest.value : null;
  const hasValues = latest !== null;

  const data = useMemo<uPlot.AlignedData>(() => {
    if (!view.slice) return [[], []];
    const ys = view.slice.series[def.series]!;
    const ds = downsampleMinMax(view.slice.ts, ys, Math.max(50, width || 600));
    return [ds.x, ds.y];
  }, [view, def.series, width]);

  const stats = useMemo(() => {
    let min = Infinity;
    let max = -Infinity;
    let n = 0;
    const ys = view.slice?.series[def.series];
    if (ys) {
      for (let i = 0; i < ys.length; i++) {
        const v = ys[i]!;
        if (Number.isNaN(v)) continue;
        n++;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    return n === 0 ? null : { min, max, n };
  }, [view, def.series]);

  const label = `${def.spoken} over ${rangeName}`;
  const summary = stats
    ? `${label}: now ${current === null ? 'no value' : def.format(current)}, peak ${def.format(stats.max)}, low ${def.format(stats.min)}, ${formatNumber(stats.n)} samples.`
    : `${label}: no samples yet.`;

  // Track the host's width.
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    setWidth(host.clientWidth);
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? host.clientWidth);
      setWidth((prev) => (prev === w ? prev : w));
    });
    ro.observe(host);
    return () => ro.disconnect();
  }, []);

  // Create the plot (again when the theme changes: colors are baked into uPlot's options).
  const dataRef = useRef(data);
  dataRef.current = data;
  const labelRef = useRef(label);
  labelRef.current = label;
  useEffect(() => {
    const host = hostRef.current;
    if (!host || !canvasAvailable()) return;
    const css = getComputedStyle(host);
    const color = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
    const stroke = color(def.colorVar, '#3b82f6');
    const fill = withAlpha(stroke, 0.14) ?? undefined;
    const grid = color('--border', 'rgba(128,128,128,0.25)');
    const text = color('--fg-muted', '#888');
    const axis: uPlot.Axis = {
      stroke: text,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
      font: '11px system-ui, sans-serif',
    };
    const opts: uPlot.Options = {
      width: Math.max(100, host.clientWidth || 600),
      height: CHART_HEIGHT,
      // Hovering shows the time and the value under the cursor in the legend below the plot.
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false }, points: { size: 7 } },
      scales: {
        x: {
          time: true,
          range: (_u, min, max) => {
            const w = winRef.current;
            return w ? [w.from, w.to] : [min, max];
          },
        },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [axis, { ...axis, size: 48, values: (_u, splits) => splits.map((v) => def.axis(v)) }],
      series: [
        { label: 'Time', value: (_u, v) => (v == null ? '—' : formatTime(v * 1000)) },
        {
          label: def.title,
          value: (_u, v) => (v == null ? '—' : def.format(v)),
          stroke,
          fill,
          width: 2,
          spanGaps: false,
          // A line needs two samples: show the dots while there are only one or two in view.
          points: { show: (_u, _si, i0, i1) => i1 - i0 < 2, size: 5, fill: stroke, stroke },
        },
      ],
    };
    let plot: uPlot | null = null;
    let cancelled = false;
    loadUPlot().then(
      (UPlot) => {
        if (cancelled) return;
        try {
          plot = new UPlot({ ...opts, width: Math.max(100, host.clientWidth || 600) }, dataRef.current, host);
        } catch {
          return; // A canvas that cannot draw: the text summary still tells the story.
        }
        const canvas = plot.root.querySelector('canvas');
        canvas?.setAttribute('role', 'img');
        canvas?.setAttribute('aria-label', `${labelRef.current} (chart)`);
        plotRef.current = plot;
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
      plot?.destroy();
      plotRef.current = null;
    };
  }, [theme, def]);

  // Label the canvas (its values are in the text summary next to it).
  useEffect(() => {
    plotRef.current?.root.querySelector('canvas')?.setAttribute('aria-label', `${label} (chart)`);
  }, [label, theme]);

  // Feed new data.
  useEffect(() => {
    plotRef.current?.setData(data);
  }, [data]);

  // Follow the width.
  useEffect(() => {
    const plot = plotRef.current;
    if (plot && width > 0 && plot.width !== width) plot.setSize({ width, height: CHART_HEIGHT });
  }, [width]);

  return (
    <div className="mc-chart" data-testid={def.testId} data-points={view.held} data-has-values={hasValues}>
      <div className="mc-head">
        <h3 className="mc-title">{def.title}</h3>
        <span className="mc-value">{current === null ? '—' : def.format(current)}</span>
      </div>
      <div className="mc-plot">
        <div className="mc-host" ref={hostRef} />
        {!hasValues && <p className="mc-empty">{def.empty}</p>}
      </div>
      <p className="mc-sr visually-hidden">{summary}</p>
    </div>
  );
}

/** A number that changes whenever the app's theme (data-theme on <html>) or the OS color scheme changes. */
function useThemeKey(): number {
  const [key, setKey] = useState(0);
  useEffect(() => {
    const bump = () => setKey((k) => k + 1);
    const mo = typeof MutationObserver !== 'undefined' ? new MutationObserver(bump) : null;
    mo?.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme', 'class'] });
    const mq = typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : null;
    mq?.addEventListener?.('change', bump);
    return () => {
      mo?.disconnect();
      mq?.removeEventListener?.('change', bump);
    };
  }, []);
  return key;
}
