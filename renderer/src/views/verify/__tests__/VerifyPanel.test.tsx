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

  it('shows what differs: the differing columns side by side, and the values of a row on one side only', async () => {
    renderJob(() =>
      verifyReport([
        verifyTable('shop.orders', {
          state: 'mismatch',
          mismatchedChunks: 1,
          mismatches: [
            { key: { id: '9' }, hex: ['39'], kind: 'different', columns: [{ name: 'total', source: '10.50', sink: '99.00' }] },
            { key: { id: '5' }, hex: ['35'], kind: 'missing', values: { id: '5', total: '3.00', note: null } },
          ],
        }),
      ]),
    );
    const orders = await screen.findByTestId('verify-table-shop.orders');
    const cols = within(orders).getByTestId('verify-mismatch-columns');
    expect([...cols.querySelectorAll('tbody tr')].map((r) => [...r.children].map((c) => c.textContent))).toEqual([['total', '10.50', '99.00']]);
    expect(within(orders).getByTestId('verify-mismatch-values').textContent).toBe('id5total3.00noteNULL');
  });

  it('a keyless table lists its rows by their values, and the rows past the first ten open on request', async () => {
    const rows = Array.from({ length: 51 }, (_, i) => ({ key: { row: `${String(i).padStart(2, '0')}aabbccddeeff00112233445566778` }, hex: [], kind: 'missing' as const, values: { a: String(i), b: `v${i}` } }));
    renderJob(() => verifyReport([verifyTable('shop.events', { state: 'mismatch', keyless: true, mismatchedChunks: 1, mismatches: rows })]));
    const t = await screen.findByTestId('verify-table-shop.events');
    expect(within(t).getAllByTestId('verify-mismatch')).toHaveLength(10);
    expect(within(t).getAllByTestId('verify-mismatch-values')[0]!.textContent).toBe('a0bv0');
    fireEvent.click(within(t).getByTestId('verify-show-all'));
    expect(within(t).getAllByTestId('verify-mismatch')).toHaveLength(51);
    expect(within(t).getAllByTestId('verify-mismatch-values')[50]!.textContent).toBe('a50bv50');
  });

  it('says before any confirmation that a keyless table cannot be repaired while the job runs', async () => {
    const keyless = () =>
      verifyReport([verifyTable('shop.events', { state: 'mismatch', keyless: true, mismatchedChunks: 1, mismatches: [{ key: { row: 'ab' }, hex: [], kind: 'extra', count: 1 }] })], { finishedAt: Date.now() });
    renderJob(keyless);
    const btn = (await screen.findByTestId('btn-repair')) as HTMLButtonElement;
    expect(btn.disabled).toBe(true);
    expect(screen.getByTestId('repair-disabled-reason').textContent).toMatch(/shop\.events has no primary or unique key.*Pause the job, then repair/);
    fireEvent.click(btn);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('keeps the history of runs: a repair re-check says what it covered, and Verified rests on the full run', async () => {
    const full = { id: 7, state: 'fail' as const, startedAt: Date.now() - 60_000, finishedAt: Date.now() - 50_000, covered: 'all' as const, repairOf: null, tables: 5, matched: 4, mismatched: 1, errors: 0, mismatchedRows: 2 };
    const recheck = { ...full, id: 8, state: 'pass' as const, covered: 'some' as const, repairOf: 7, tables: 1, matched: 1, mismatched: 0, mismatchedRows: 0 };
    renderJob(() => verifyReport([verifyTable('shop.orders')], { id: 8, repairOf: 7, covered: 'some', finishedAt: Date.now() }), { verificationHistory: () => [recheck, full] });
    await waitFor(() => expect(screen.getByTestId('verify-summary').textContent).toBe('Re-check of the tables repaired after #7: 1 of 1 repaired table match'));
    await waitFor(() => expect(screen.getByTestId('step-verified').textContent).toContain('all 5 tables match'));
    expect(screen.getByTestId('step-verified').dataset.state).toBe('done');
    const history = screen.getByTestId('verify-history');
    expect(within(history).getByTestId('verify-run-8').textContent).toContain('compared the table repaired after #7 · 1 of 1 match');
    expect(within(history).getByTestId('verify-run-7').textContent).toContain('compared every table (5) · 4 of 5 match, 1 differs (2 rows)');
  });
});
