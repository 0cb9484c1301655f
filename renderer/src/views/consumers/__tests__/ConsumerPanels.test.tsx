import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { ConsumerProcessStatus, PausedMessageStatus } from '../../../../../shared/job-status';
import { axeViolations } from '../../../widgets/axe';
import { fakeApi, status } from '../../__tests__/fake-api';
import { JobView } from '../../JobView';
import { appendLag, lagSample, seriesOf } from '../lag-history';

vi.mock('../../../widgets/live-chart/MetricsCharts', () => import('../../__tests__/widget-stubs'));
vi.mock('../../../widgets/log-viewer/LogViewer', () => import('../../__tests__/widget-stubs'));
vi.mock('../../../widgets/table-grid/TableGrid', () => import('../../__tests__/widget-stubs'));

afterEach(cleanup);

const consumers = (lag0: number, lag1: number): ConsumerProcessStatus[] => [
  {
    pid: 4101,
    memberId: 'cutover-orders-1',
    updatedAt: Date.now(),
    partitions: [
      { topic: 'orders', partition: 0, offset: String(100 - lag0), end: '100', lag: lag0, lagMs: lag0 ? 2500 : 0 },
      { topic: 'orders', partition: 1, offset: String(90 - lag1), end: '90', lag: lag1, lagMs: lag1 ? 61_000 : 0 },
    ],
  },
  { pid: 4102, memberId: 'cutover-orders-2', updatedAt: Date.now(), partitions: [{ topic: 'orders', partition: 2, offset: null, end: null, lag: null, lagMs: null }] },
];

const PAUSED: PausedMessageStatus = {
  topic: 'orders',
  partition: 1,
  offset: '77',
  key: '{"id":7}',
  raw: '{"op":"c","after":{"id":7,"nope":1}}',
  bytes: 36,
  reason: 'the sink table shop.orders has no column "nope"',
  fix: 'add the column to the sink, or skip the message',
  at: Date.now() - 5000,
  pid: 4101,
};

describe('the consumer-group job dashboard', () => {
  it('shows each process and partition with offset, end and lag (messages and time), the lag chart, and the paused message with its skip; passes an axe check', async () => {
    const fake = fakeApi({ jobStatus: () => status({ name: 'shop', mode: 'stream', phase: 'streaming', consumers: consumers(5, 40), pausedMessages: [PAUSED] }), verification: () => null });
    const { container } = render(<JobView api={fake.api} job="shop" />);
    const panel = await screen.findByTestId('consumer-panel');
    expect(panel.textContent).toContain('2 processes, 45 message(s) behind');
    const p0 = screen.getByTestId('partition-orders-0');
    expect(within(p0).getByTestId('partition-offset').textContent).toBe('95');
    expect(within(p0).getByTestId('partition-end').textContent).toBe('100');
    expect(within(p0).getByTestId('partition-lag').textContent).toBe('5');
    expect(within(p0).getByTestId('partition-lag-time').textContent).not.toBe('—');
    expect(screen.getByTestId('partition-orders-1').textContent).toContain('paused at a bad message');
    expect(within(screen.getByTestId('partition-orders-2')).getByTestId('partition-lag').textContent).toBe('—');
    expect(screen.getByTestId('consumer-process-4102').textContent).toContain('member cutover-orders-2');
    // One sample so far: the chart says it waits for a second one.
    expect(screen.getByTestId('lag-chart-empty')).toBeTruthy();
    fake.emit({ type: 'status', job: 'shop', status: status({ name: 'shop', mode: 'stream', phase: 'streaming', consumers: consumers(0, 38), pausedMessages: [PAUSED], updatedAt: Date.now() + 1000 }) });
    await screen.findByTestId('lag-chart');
    expect(screen.getByTestId('lag-chart').querySelectorAll('polyline')).toHaveLength(2);

    const paused = screen.getByTestId('paused-message-orders-1');
    expect(within(paused).getByTestId('paused-ref').textContent).toBe('orders [1] @ 77');
    expect(within(paused).getByTestId('paused-reason').textContent).toContain('no column "nope"');
    expect(within(paused).getByTestId('paused-raw').textContent).toContain('"nope": 1');
    expect(within(paused).getByTestId('paused-skip-command').textContent).toBe('cutover skip-message orders:1:77 --job shop');
    expect(await axeViolations(container)).toEqual([]);
  });

  it('skips a paused message from the panel after a confirmation that names it', async () => {
    const fake = fakeApi({ jobStatus: () => status({ name: 'shop', mode: 'stream', phase: 'streaming', consumers: consumers(0, 12), pausedMessages: [PAUSED] }), verification: () => null, skipMessage: () => ({ running: true }) });
    render(<JobView api={fake.api} job="shop" />);
    const paused = await screen.findByTestId('paused-message-orders-1');
    fireEvent.click(within(paused).getByTestId('btn-skip-message'));
    expect(screen.getByRole('dialog').textContent).toContain('Skip the message at orders:1:77?');
    expect(screen.getByTestId('skip-confirm-text').textContent).toContain('orders partition 1 offset 77 (key {"id":7})');
    fireEvent.click(screen.getByTestId('confirm-cancel'));
    expect(fake.callsOf('skipMessage')).toEqual([]);
    expect(screen.queryByRole('dialog')).toBeNull();
    fireEvent.click(within(paused).getByTestId('btn-skip-message'));
    fireEvent.click(screen.getByTestId('confirm-ok'));
    await waitFor(() => expect(fake.callsOf('skipMessage')).toEqual([['shop', 'orders:1:77']]));
    await screen.findByTestId('paused-skip-asked');
    expect(within(paused).queryByTestId('btn-skip-message')).toBeNull();
  });

  it('shows no consumer panel for a job without consumers', async () => {
    const fake = fakeApi({ jobStatus: () => status(), verification: () => null });
    render(<JobView api={fake.api} job="shop" />);
    await screen.findByTestId('job-view');
    expect(screen.queryByTestId('consumer-panel')).toBeNull();
    expect(screen.queryByTestId('paused-messages')).toBeNull();
  });
});

describe('lag history', () => {
  it('keeps one sample per status, bounded, with every partition as a series', () => {
    const s1 = lagSample({ consumers: consumers(5, 40), updatedAt: 0 }, 1000)!;
    expect(s1.lags).toEqual({ 'orders [0]': 5, 'orders [1]': 40, 'orders [2]': null });
    expect(lagSample({ updatedAt: 0 }, 1000)).toBeNull();
    let h = appendLag([], s1, 3);
    for (let t = 2000; t <= 6000; t += 1000) h = appendLag(h, { ts: t, lags: { 'orders [0]': t } }, 3);
    expect(h.map((p) => p.ts)).toEqual([4000, 5000, 6000]);
    // A sample at the same time replaces the last one.
    expect(appendLag(h, { ts: 6000, lags: {} }, 3).map((p) => p.ts)).toEqual([4000, 5000, 6000]);
    expect(seriesOf([s1])).toEqual(['orders [0]', 'orders [1]', 'orders [2]']);
  });
});
