import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { VerifyReport } from '../../../../../shared/verify';
import { axeViolations } from '../../../widgets/axe';
import { fakeApi, status, stream } from '../../__tests__/fake-api';
import { cutoverState, verifyReport, verifyTable } from '../../__tests__/fixtures';
import { JobView } from '../../JobView';

vi.mock('../../../widgets/live-chart/MetricsCharts', () => import('../../__tests__/widget-stubs'));
vi.mock('../../../widgets/log-viewer/LogViewer', () => import('../../__tests__/widget-stubs'));
vi.mock('../../../widgets/table-grid/TableGrid', () => import('../../__tests__/widget-stubs'));

afterEach(cleanup);

const mismatched = () =>
  verifyReport(
    [
      verifyTable('shop.orders', {
        state: 'mismatch',
        mismatchedChunks: 1,
        rechecked: 2,
        mismatches: [
          { key: { id: '5' }, hex: ['35'], kind: 'missing' },
          { key: { id: '9' }, hex: ['39'], kind: 'different' },
        ],
      }),
      verifyTable('shop.users'),
    ],
    { finishedAt: Date.now() },
  );

function renderJob(verification: () => VerifyReport | null, handlers: Parameters<typeof fakeApi>[0] = {}) {
  const fake = fakeApi({ jobStatus: () => status({ phase: 'streaming', stream: stream() }), verification, cutoverState: () => cutoverState(), ...handlers });
  const view = render(<JobView api={fake.api} job="shop" pollMs={10} />);
  return { fake, view };
}

describe('verification in the job view', () => {
  it('shows the last verification on open: summary, positions, differing row keys', async () => {
    const { view } = renderJob(mismatched);
    const panel = await screen.findByTestId('verify-panel');
    await waitFor(() => expect(screen.getByTestId('verify-state').dataset.state).toBe('fail'));
    expect(screen.getByTestId('verify-summary').textContent).toContain('1 of 2 tables match · 1 differ (2 rows listed)');
    expect(panel.textContent).toContain('mysql-bin.000003:1200');
    const orders = screen.getByTestId('verify-table-shop.orders');
    expect(within(orders).getByTestId('verify-verdict').textContent).toBe('2 rows differ');
    expect(orders.textContent).toContain('2 re-checked');
    const keys = within(orders).getAllByTestId('verify-mismatch-key');
    expect(keys.map((k) => [k.dataset.kind, k.textContent])).toEqual([
      ['missing', 'missing on the sink id = 5'],
      ['different', 'different id = 9'],
    ]);
    // Matching tables are folded away.
    expect(screen.queryByTestId('verify-table-shop.users')).toBeNull();
    expect(screen.getByTestId('step-verified').dataset.state).toBe('pending');
    expect(await axeViolations(view.container)).toEqual([]);
  });

  it('Verify starts one and polls its progress every second until it ends; Verified is done when it passed', async () => {
    let report: VerifyReport | null = null;
    let polls = 0;
    const { fake } = renderJob(
      () => {
        if (report?.state === 'running' && ++polls >= 3) report = verifyReport([verifyTable('shop.orders')], { id: 8, finishedAt: Date.now() });
        return report;
      },
      {
        verify: () => {
          report = verifyReport([verifyTable('shop.orders', { state: 'running', chunksDone: 1, chunks: 4 })], { id: 8 });
          return { id: 8 };
        },
      },
    );
    expect((await screen.findByTestId('verify-none')).textContent).toContain('Not verified yet');
    fireEvent.click(screen.getByTestId('btn-verify'));
    expect(fake.callsOf('verify')).toEqual([['shop']]);
    const running = await screen.findByTestId('verify-table-shop.orders');
    expect(running.textContent).toContain('1 / 4 key ranges');
    expect(within(running).getByRole('progressbar').getAttribute('aria-valuenow')).toBe('25');
    await waitFor(() => expect(screen.getByTestId('verify-state').dataset.state).toBe('pass'));
    expect(screen.getByTestId('step-verified').dataset.state).toBe('done');
    const calls = fake.callsOf('verification').length;
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.callsOf('verification').length).toBe(calls);
  });

  it('repairs only after a confirmation that says what is copied again', async () => {
    const { fake } = renderJob(mismatched, { repair: () => ({ id: 9 }) });
    fireEvent.click(await screen.findByTestId('btn-repair'));
    const dialog = screen.getByRole('dialog');
    expect(dialog.textContent).toContain('Only these rows are copied again from the source');
    fireEvent.click(within(dialog).getByTestId('confirm-cancel'));
    expect(fake.callsOf('repair')).toEqual([]);
    fireEvent.click(screen.getByTestId('btn-repair'));
    fireEvent.click(screen.getByTestId('confirm-ok'));
    await waitFor(() => expect(fake.callsOf('repair')).toEqual([['shop', 7]]));
  });

  it('disables Repair when the report says it is not available (Kafka sinks) and says why', async () => {
    renderJob(() => ({ ...mismatched(), sinkType: 'kafka', repair: { available: false, note: 'Repair is not built for Kafka sinks.' } }));
    const btn = (await screen.findByTestId('btn-repair')) as HTMLButtonElement;
    expect(btn.disabled).toBe(true);
    expect(screen.getByTestId('repair-disabled-reason').textContent).toBe('Repair is not built for Kafka sinks.');
    expect(btn.getAttribute('aria-describedby')).toBe('repair-reason');
  });

  it('links to the cutover assistant once the job streams; Cut over is done when the assistant is complete', async () => {
    const done = cutoverState(Object.fromEntries(['lag', 'read-only', 'fence', 'verify', 'deferred', 'report'].map((id) => [id, { state: 'done' }])));
    renderJob(() => null, { cutoverState: () => done });
    expect((await screen.findByTestId('btn-cutover')).getAttribute('href')).toBe('#/jobs/shop/cutover');
    await waitFor(() => expect(screen.getByTestId('step-cutover').dataset.state).toBe('done'));
  });
});
