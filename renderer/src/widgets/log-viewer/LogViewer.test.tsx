import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LogLine, LogQuery } from '../../../../shared/api.js';
import { axeViolations } from '../axe.js';
import { FakeApi } from '../fake-api.js';
import { LogViewer } from './LogViewer.js';

const T0 = Date.UTC(2026, 10, 22, 8, 40, 5, 123);
const line = (id: number, over: Partial<LogLine> = {}): LogLine => ({
  id,
  ts: T0 + id * 1000,
  level: 'info',
  job: 'shop',
  table: null,
  message: `message ${id}`,
  ...over,
});

const RANK = { debug: 0, info: 1, warn: 2, error: 3 };

/** A host that answers `logs` queries from a fixed set of lines, as the engine would. */
function hostWith(lines: LogLine[]): FakeApi {
  return new FakeApi().on('logs', (q: LogQuery) =>
    lines
      .filter((l) => (q.job === undefined || l.job === q.job) && RANK[l.level] >= RANK[q.minLevel ?? 'debug'])
      .filter((l) => !q.search || l.message.toLowerCase().includes(q.search.toLowerCase()))
      .slice(-(q.limit ?? 500)),
  );
}

const shownMessages = () => screen.queryAllByTestId('log-line').map((li) => li.querySelector('.lv-msg')!.textContent);

beforeEach(() => {
  vi.useRealTimers();
});
afterEach(cleanup);

describe('LogViewer', () => {
  const lines = [
    line(1, { level: 'debug', message: 'connecting' }),
    line(2, { level: 'info', message: 'copy started', table: 'shop.orders' }),
    line(3, { level: 'warn', message: 'slow chunk\nretrying in 1s', table: 'shop.orders' }),
    line(4, { level: 'error', message: 'Deadlock found' }),
    line(5, { level: 'info', job: 'other', message: 'other job' }),
  ];

  it('loads the latest lines at info level for its job', async () => {
    const api = hostWith(lines);
    render(<LogViewer api={api} job="shop" />);
    await waitFor(() => expect(shownMessages()).toEqual(['copy started', 'slow chunk\nretrying in 1s', 'Deadlock found']));
    expect(api.callsOf('logs')[0]).toEqual([{ job: 'shop', minLevel: 'info', search: undefined, limit: 500 }]);
    // Level badges carry text, times show UTC on hover.
    const first = screen.getAllByTestId('log-line')[0]!;
    expect(first.textContent).toContain('INFO');
    expect(first.querySelector('time')!.getAttribute('title')).toBe('2026-11-22 08:40:07 UTC');
    expect(first.textContent).toContain('[shop.orders]');
  });

  it('filters by level (server query and shown lines)', async () => {
    const api = hostWith(lines);
    render(<LogViewer api={api} job="shop" />);
    await waitFor(() => expect(shownMessages()).toHaveLength(3));
    fireEvent.change(screen.getByLabelText('Level'), { target: { value: 'warn' } });
    expect(shownMessages()).toEqual(['slow chunk\nretrying in 1s', 'Deadlock found']);
    fireEvent.change(screen.getByLabelText('Level'), { target: { value: 'debug' } });
    await waitFor(() => expect(shownMessages()).toEqual(['connecting', 'copy started', 'slow chunk\nretrying in 1s', 'Deadlock found']));
    expect(api.callsOf('logs').map((a) => (a[0] as LogQuery).minLevel)).toEqual(['info', 'warn', 'debug']);
  });

  it('debounces the search, sends it to the host and applies it to live lines', async () => {
    const api = hostWith(lines);
    render(<LogViewer api={api} job="shop" />);
    await waitFor(() => expect(shownMessages()).toHaveLength(3));
    const box = screen.getByLabelText('Search');
    fireEvent.change(box, { target: { value: 'dead' } });
    fireEvent.change(box, { target: { value: 'deadl' } });
    fireEvent.change(box, { target: { value: 'deadlock' } });
    await waitFor(() => expect(shownMessages()).toEqual(['Deadlock found']));
    const searches = api.callsOf('logs').map((a) => (a[0] as LogQuery).search);
    expect(searches).toEqual([undefined, 'deadlock']);
    act(() =>
      api.emit({
        type: 'logs',
        lines: [line(10, { message: 'another DEADLOCK' }), line(11, { message: 'unrelated' }), line(12, { job: 'other', message: 'deadlock elsewhere' })],
      }),
    );
    expect(shownMessages()).toEqual(['Deadlock found', 'another DEADLOCK']);
  });

  it('appends live lines of its job at or above the level, without duplicates', async () => {
    const api = hostWith(lines);
    render(<LogViewer api={api} job="shop" />);
    await waitFor(() => expect(shownMessages()).toHaveLength(3));
    act(() =>
      api.emit({
        type: 'logs',
        lines: [line(4, { level: 'error', message: 'Deadlock found' }), line(6, { message: 'live' }), line(7, { level: 'debug', message: 'noise' }), line(8, { job: 'x' })],
      }),
    );
    expect(shownMessages()).toEqual(['copy started', 'slow chunk\nretrying in 1s', 'Deadlock found', 'live']);
  });

  it('shows every job without a job prop', async () => {
    render(<LogViewer api={hostWith(lines)} />);
    await waitFor(() => expect(shownMessages()).toContain('other job'));
  });

  it('exports the filtered lines as a .log file', async () => {
    const api = hostWith(lines);
    const blobs: Blob[] = [];
    const create = vi.fn((b: Blob) => {
      blobs.push(b);
      return 'blob:fake';
    });
    const revoke = vi.fn();
    Object.assign(URL, { createObjectURL: create, revokeObjectURL: revoke });
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      expect(this.download).toMatch(/^cutover-shop-\d{8}-\d{6}\.log$/);
      expect(this.href).toBe('blob:fake');
    });
    render(<LogViewer api={api} job="shop" />);
    await waitFor(() => expect(shownMessages()).toHaveLength(3));
    fireEvent.change(screen.getByLabelText('Level'), { target: { value: 'warn' } });
    fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    expect(click).toHaveBeenCalledTimes(1);
    expect(await blobs[0]!.text()).toBe(
      '2026-11-22T08:40:08.123Z WARN [shop.orders] slow chunk\nretrying in 1s\n2026-11-22T08:40:09.123Z ERROR Deadlock found\n',
    );
    click.mockRestore();
  });

  it('keeps at most 5,000 lines', async () => {
    const api = hostWith([]);
    render(<LogViewer api={api} job="shop" />);
    await waitFor(() => expect(screen.getByText(/No log lines/)).toBeTruthy());
    act(() => api.emit({ type: 'logs', lines: Array.from({ length: 5200 }, (_, i) => line(i + 1)) }));
    const shown = screen.getAllByTestId('log-line');
    expect(shown).toHaveLength(5000);
    expect(shown[0]!.querySelector('.lv-msg')!.textContent).toBe('message 201');
  });

  it('stops following when the user scrolls up, and resumes with the button', async () => {
    render(<LogViewer api={hostWith(lines)} job="shop" />);
    await waitFor(() => expect(shownMessages()).toHaveLength(3));
    const follow = screen.getByRole('button', { name: 'Following' });
    expect(follow.getAttribute('aria-pressed')).toBe('true');
    const list = screen.getByRole('log');
    Object.defineProperty(list, 'scrollHeight', { configurable: true, value: 2000 });
    Object.defineProperty(list, 'clientHeight', { configurable: true, value: 300 });
    list.scrollTop = 100;
    fireEvent.scroll(list);
    const off = screen.getByRole('button', { name: 'Follow' });
    expect(off.getAttribute('aria-pressed')).toBe('false');
    fireEvent.click(off);
    expect(screen.getByRole('button', { name: 'Following' }).getAttribute('aria-pressed')).toBe('true');
    expect(list.scrollTop).toBe(2000);
  });

  it('shows a load error', async () => {
    const api = new FakeApi().on('logs', () => Promise.reject(new Error('host is down')));
    render(<LogViewer api={api} job="shop" />);
    expect((await screen.findByRole('alert')).textContent).toContain('host is down');
  });

  it('passes an axe-core scan', async () => {
    const { container } = render(<LogViewer api={hostWith(lines)} job="shop" />);
    await waitFor(() => expect(shownMessages()).toHaveLength(3));
    expect(await axeViolations(container)).toEqual([]);
  });
});
