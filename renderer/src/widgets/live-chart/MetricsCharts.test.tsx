import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MetricPoint } from '../../../../shared/api.js';
import { axeViolations } from '../axe.js';
import { FakeApi } from '../fake-api.js';
import { MetricsCharts, canvasAvailable, compact, withAlpha } from './MetricsCharts.js';

// jsdom has no canvas: getContext returns null (stubbed to keep jsdom from logging "not implemented").
beforeAll(() => {
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
});
afterEach(cleanup);

const T0 = 1_795_000_000;
const pt = (i: number, over: Partial<MetricPoint> = {}): MetricPoint => ({
  ts: T0 + i,
  rowsPerSecond: 1000 + i,
  eventsPerSecond: null,
  lagSeconds: null,
  ...over,
});

const points = (id: string) => Number(screen.getByTestId(id).getAttribute('data-points'));
const allPoints = () => ['chart-rows', 'chart-events', 'chart-lag'].map(points);

function host(history: MetricPoint[] | Promise<MetricPoint[]>) {
  return new FakeApi().on('history', () => history);
}

describe('MetricsCharts', () => {
  it('does not draw without a canvas, and does not crash', () => {
    expect(canvasAvailable()).toBe(false);
  });

  it('loads the history, then appends metrics events for its own job only', async () => {
    const api = host([pt(0), pt(1), pt(2)]);
    render(<MetricsCharts api={api} job="shop" />);
    await waitFor(() => expect(allPoints()).toEqual([3, 3, 3]));
    expect(api.callsOf('history')[0]).toEqual(['shop', { maxPoints: 2000 }]);
    expect([...api.listeners].map((l) => l.job)).toEqual(['shop']);

    act(() => api.emit({ type: 'metrics', job: 'other', points: [pt(3), pt(4)] }));
    act(() => api.emit({ type: 'jobs', jobs: [] }));
    act(() => api.emit({ type: 'metrics', job: 'shop', points: [pt(3), pt(4)] }));
    await waitFor(() => expect(points('chart-rows')).toBe(5), { timeout: 3000 });
    // Duplicates (already held) are ignored.
    act(() => api.emit({ type: 'metrics', job: 'shop', points: [pt(4), pt(5, { rowsPerSecond: 12_345 })] }));
    await waitFor(() => expect(points('chart-rows')).toBe(6), { timeout: 3000 });
    expect(screen.getByTestId('chart-rows').textContent).toContain('12,345 rows/s');
  });

  it('batches redraws to at most one a second', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const api = host([pt(0)]);
      render(<MetricsCharts api={api} job="shop" />);
      await act(async () => {
        await Promise.resolve();
        await Promise.resolve();
      });
      expect(points('chart-rows')).toBe(1);
      act(() => {
        for (let i = 1; i <= 5; i++) api.emit({ type: 'metrics', job: 'shop', points: [pt(i)] });
      });
      expect(points('chart-rows')).toBe(1); // held until the next flush
      act(() => {
        vi.advanceTimersByTime(1000);
      });
      expect(points('chart-rows')).toBe(6);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps points pushed while the history loads', async () => {
    let resolve!: (p: MetricPoint[]) => void;
    const api = host(new Promise<MetricPoint[]>((r) => (resolve = r)));
    render(<MetricsCharts api={api} job="shop" />);
    act(() => api.emit({ type: 'metrics', job: 'shop', points: [pt(2), pt(3)] }));
    expect(points('chart-rows')).toBe(0);
    await act(async () => resolve([pt(0), pt(1), pt(2)]));
    await waitFor(() => expect(points('chart-rows')).toBe(4));
  });

  it('shows the empty state per series and the current values with units', async () => {
    const api = host([pt(0, { rowsPerSecond: 12_345, lagSeconds: 2.5 })]);
    render(<MetricsCharts api={api} job="shop" />);
    await waitFor(() => expect(points('chart-rows')).toBe(1));
    expect(screen.getByTestId('chart-rows').textContent).toContain('12,345 rows/s');
    expect(screen.getByTestId('chart-lag').textContent).toContain('2.5 s');
    expect(screen.getByTestId('chart-events').textContent).toContain(
      "No samples yet — the stream's events/s appear here once it starts",
    );
    expect(screen.queryByText("No samples yet — the copy's rows/s appear here once it starts")).toBeNull();
  });

  it('shows the empty state with no samples at all', async () => {
    render(<MetricsCharts api={host([])} job="shop" />);
    expect(await screen.findByText("No samples yet — the copy's rows/s appear here once it starts")).toBeTruthy();
    expect(allPoints()).toEqual([0, 0, 0]);
  });

  it('switches the time range and summarizes for screen readers', async () => {
    const hist = Array.from({ length: 3600 }, (_, i) => pt(i, { rowsPerSecond: i === 100 ? 50_000 : 10 }));
    render(<MetricsCharts api={host(hist)} job="shop" />);
    await waitFor(() => expect(points('chart-rows')).toBe(3600));
    const five = screen.getByRole('button', { name: '5 min' });
    expect(five.getAttribute('aria-pressed')).toBe('true');
    const summary = () => screen.getByTestId('chart-rows').querySelector('.mc-sr')!.textContent!;
    expect(summary()).toContain('over the last 5 minutes');
    expect(summary()).toContain('301 samples');
    expect(summary()).toContain('peak 10 rows/s');
    fireEvent.click(screen.getByRole('button', { name: 'All' }));
    expect(screen.getByRole('button', { name: 'All' }).getAttribute('aria-pressed')).toBe('true');
    expect(summary()).toContain('over the whole run');
    expect(summary()).toContain('3,600 samples');
    expect(summary()).toContain('peak 50,000 rows/s');
  });

  it('reports a history error and still takes live points', async () => {
    const api = new FakeApi().on('history', () => Promise.reject(new Error('no such job')));
    render(<MetricsCharts api={api} job="shop" />);
    expect((await screen.findByRole('alert')).textContent).toContain('no such job');
    act(() => api.emit({ type: 'metrics', job: 'shop', points: [pt(0)] }));
    await waitFor(() => expect(points('chart-rows')).toBe(1), { timeout: 3000 });
  });

  it('unsubscribes on unmount and starts over for another job', async () => {
    const api = host([pt(0)]);
    const { rerender, unmount } = render(<MetricsCharts api={api} job="a" />);
    await waitFor(() => expect(points('chart-rows')).toBe(1));
    api.on('history', () => [pt(0), pt(1)]);
    rerender(<MetricsCharts api={api} job="b" />);
    await waitFor(() => expect(points('chart-rows')).toBe(2));
    expect([...api.listeners].map((l) => l.job)).toEqual(['b']);
    unmount();
    expect(api.listeners.size).toBe(0);
  });

  it('passes an axe-core scan', async () => {
    const { container } = render(<MetricsCharts api={host([pt(0)])} job="shop" />);
    await waitFor(() => expect(points('chart-rows')).toBe(1));
    expect(await axeViolations(container)).toEqual([]);
  });

  it('formats axis labels compactly', () => {
    expect(compact(950)).toBe('950');
    expect(compact(12_000)).toBe('12k');
    expect(compact(1_500_000)).toBe('1.5M');
    expect(compact(0.25)).toBe('0.3');
  });

  it('derives the translucent fill under a line from the theme color', () => {
    expect(withAlpha('#0a58a8', 0.14)).toBe('rgba(10, 88, 168, 0.14)');
    expect(withAlpha(' #fff ', 0.5)).toBe('rgba(255, 255, 255, 0.5)');
    expect(withAlpha('rgb(1, 2, 3)', 0.5)).toBeNull();
  });
});
