import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { HostInfo, JobError } from '../../../../shared/api';
import { App } from '../../App';
import axe from 'axe-core';
import { fakeApi, status, stream, summary } from './fake-api';

vi.mock('../../widgets/live-chart/MetricsCharts', () => import('./widget-stubs'));
vi.mock('../../widgets/log-viewer/LogViewer', () => import('./widget-stubs'));
vi.mock('../../widgets/table-grid/TableGrid', () => import('./widget-stubs'));

const info = (over: Partial<HostInfo['demo']> = {}): HostInfo => ({
  version: '0.1.0',
  statePath: '/home/dba/.config/Cutover/state.db',
  shell: 'web',
  demo: { available: true, reason: null, job: null, ...over },
});

beforeEach(() => {
  window.location.hash = '';
  window.localStorage.clear();
});
afterEach(cleanup);

describe('jobs list', () => {
  it('lists the jobs with state, phase and progress, and selects one by its link', async () => {
    const jobs = [
      summary({ name: 'shop', state: 'running', phase: 'copying', rowsCopied: 250, estimatedRows: 1000 }),
      summary({ name: 'crm', state: 'paused', phase: 'streaming', mode: 'stream', lagSeconds: 125, estimatedRows: 0 }),
    ];
    const fake = fakeApi({
      info: () => info(),
      listJobs: () => jobs,
      errors: () => [],
      jobStatus: (job) => status({ name: job, state: job === 'crm' ? 'paused' : 'running' }),
    });
    render(<App api={fake.api} />);
    const list = await screen.findByTestId('job-list');
    const shop = within(list).getByTestId('job-item-shop');
    expect(shop.textContent).toContain('running');
    expect(shop.textContent).toContain('copying');
    expect(shop.textContent).toContain('25%');
    expect(within(list).getByTestId('job-item-crm').textContent).toContain('lag 2m 05s');
    expect(screen.getByTestId('state-path').textContent).toBe('/home/dba/.config/Cutover/state.db');

    // With no route, the first job is shown.
    await waitFor(() => expect(screen.getByTestId('job-view')).toBeTruthy());
    expect(shop.getAttribute('aria-current')).toBe('page');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('shop');

    const crm = within(list).getByTestId('job-item-crm');
    expect(crm.getAttribute('href')).toBe('#/jobs/crm');
    act(() => {
      window.location.hash = '#/jobs/crm';
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    await waitFor(() => expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('crm'));
    expect(screen.getByTestId('job-item-crm').getAttribute('aria-current')).toBe('page');
    expect(fake.watches.at(-1)).toEqual(['crm']);

    // A 'jobs' event replaces the list.
    fake.emit({ type: 'jobs', jobs: [summary({ name: 'shop', state: 'failed' })] });
    expect(screen.getByTestId('job-item-shop').textContent).toContain('failed');
    expect(screen.queryByTestId('job-item-crm')).toBeNull();
  });

  it('opens a job file from the picker and shows the job', async () => {
    const fake = fakeApi({ info: () => info(), listJobs: () => [], errors: () => [], openJob: () => ({ name: 'new-job' }), jobStatus: (j) => status({ name: j }) });
    render(<App api={fake.api} />);
    await screen.findByTestId('empty-state');
    const input = screen.getByTestId('open-job-input') as HTMLInputElement;
    const file = new File(['{"name":"new-job"}'], 'new-job.json', { type: 'application/json' });
    fireEvent.change(input, { target: { files: [file] } });
    await waitFor(() => expect(fake.callsOf('openJob')).toEqual([[{ text: '{"name":"new-job"}', fileName: 'new-job.json' }]]));
    await waitFor(() => expect(window.location.hash).toBe('#/jobs/new-job'));
  });

  it('refuses a dropped file that is not JSON', async () => {
    const fake = fakeApi({ info: () => info(), listJobs: () => [], errors: () => [] });
    render(<App api={fake.api} />);
    await screen.findByTestId('empty-state');
    const file = new File(['x'], 'notes.txt', { type: 'text/plain' });
    const dataTransfer = { types: ['Files'], files: [file], dropEffect: 'none' };
    act(() => {
      const enter = new Event('dragenter', { cancelable: true });
      Object.assign(enter, { dataTransfer });
      window.dispatchEvent(enter);
    });
    expect(screen.getByTestId('drop-overlay')).toBeTruthy();
    await act(async () => {
      const drop = new Event('drop', { cancelable: true });
      Object.assign(drop, { dataTransfer });
      window.dispatchEvent(drop);
    });
    expect(screen.queryByTestId('drop-overlay')).toBeNull();
    expect((await screen.findByTestId('error-banner')).textContent).toContain('not a job file');
    expect(fake.callsOf('openJob')).toEqual([]);
  });
});

describe('empty state', () => {
  it('disables the demo with the reason when it is not available', async () => {
    const fake = fakeApi({ info: () => info({ available: false, reason: 'Install mariadb-server to run the demo.' }), listJobs: () => [], errors: () => [] });
    render(<App api={fake.api} />);
    const empty = await screen.findByTestId('empty-state');
    await waitFor(() => expect((screen.getByTestId('btn-demo') as HTMLButtonElement).disabled).toBe(true));
    expect(screen.getByTestId('demo-reason').textContent).toContain('Install mariadb-server to run the demo.');
    expect(screen.getByTestId('btn-demo').getAttribute('aria-describedby')).toBe('demo-reason');
    expect(within(empty).getByRole('button', { name: 'Open a job file…' })).toBeTruthy();
  });

  it('starts the demo, shows progress meanwhile, then opens the demo job', async () => {
    let finish!: (v: { name: string }) => void;
    const fake = fakeApi({
      info: () => info(),
      listJobs: () => [],
      errors: () => [],
      startDemo: () => new Promise((r) => (finish = r)),
      jobStatus: (j) => status({ name: j }),
    });
    render(<App api={fake.api} />);
    const demo = (await screen.findByTestId('btn-demo')) as HTMLButtonElement;
    await waitFor(() => expect(demo.disabled).toBe(false));
    fireEvent.click(demo);
    expect(screen.getByTestId('demo-progress').textContent).toContain('Starting the demo servers');
    expect(demo.disabled).toBe(true);
    await act(async () => finish({ name: 'demo' }));
    expect(window.location.hash).toBe('#/jobs/demo');
  });
});

describe('errors panel', () => {
  const err = (id: number, over: Partial<JobError> = {}): JobError => ({
    id,
    ts: Date.UTC(2026, 0, 2, 3, 4, 5),
    job: 'shop',
    table: 'shop.orders',
    message: `Error ${id}: the sink refused a row.`,
    fix: 'Widen the column on the sink.',
    ...over,
  });

  it('shows errors from errors() and the errors event until dismissed', async () => {
    const fake = fakeApi({ info: () => info(), listJobs: () => [], errors: () => [err(1)], dismissError: () => undefined });
    render(<App api={fake.api} />);
    const panel = await screen.findByTestId('error-panel');
    expect(panel.textContent).toContain('Error 1: the sink refused a row.');
    expect(panel.textContent).toContain('What to do: Widen the column on the sink.');
    expect(panel.textContent).toContain('shop.orders');
    expect(panel.querySelector('time')?.getAttribute('title')).toContain('2026-01-02 03:04:05 UTC');

    fake.emit({ type: 'errors', errors: [err(1), err(2, { table: null, fix: null })] });
    expect(screen.getAllByRole('listitem').filter((li) => li.className === 'error-item')).toHaveLength(2);

    fireEvent.click(screen.getByTestId('dismiss-error-1'));
    await waitFor(() => expect(screen.queryByTestId('error-item-1')).toBeNull());
    expect(fake.callsOf('dismissError')).toEqual([[1]]);
    expect(screen.getByTestId('error-item-2')).toBeTruthy();
  });
});

describe('header', () => {
  it('toggles and remembers the theme', async () => {
    const fake = fakeApi({ info: () => info(), listJobs: () => [], errors: () => [] });
    render(<App api={fake.api} />);
    const before = document.documentElement.dataset.theme;
    expect(before === 'light' || before === 'dark').toBe(true);
    fireEvent.click(screen.getByTestId('theme-toggle'));
    const after = document.documentElement.dataset.theme;
    expect(after).not.toBe(before);
    expect(window.localStorage.getItem('cutover.theme')).toBe(after);
    await screen.findByTestId('empty-state');
  });

  it('shows the connection state and a banner while disconnected', async () => {
    const fake = fakeApi({ info: () => info(), listJobs: () => [], errors: () => [] });
    render(<App api={fake.api} />);
    await screen.findByTestId('empty-state');
    expect(screen.getByTestId('connection-status').dataset.state).toBe('connected');
    act(() => fake.api.connection.set({ state: 'disconnected', retryAt: Date.now() + 1000, attempts: 1 }));
    expect(screen.getByTestId('connection-status').dataset.state).toBe('disconnected');
    expect(screen.getByTestId('connection-banner').textContent).toContain('Disconnected from the engine — reconnecting');
    const listCalls = fake.callsOf('listJobs').length;
    act(() => fake.api.connection.set({ state: 'connected', retryAt: null, attempts: 0 }));
    expect(screen.queryByTestId('connection-banner')).toBeNull();
    // Reconnected: everything is loaded again.
    await waitFor(() => expect(fake.callsOf('listJobs').length).toBe(listCalls + 1));
  });
});

describe('accessibility', () => {
  it('passes an axe-core scan of the whole page (layout and color rules are left to the e2e tests)', async () => {
    const ddl = { position: 'mysql-bin.000003:2000', db: 'shop', sql: 'ALTER TABLE orders ADD COLUMN x INT', reason: 'The sink refused it.' };
    const fake = fakeApi({
      info: () => info(),
      listJobs: () => [summary(), summary({ name: 'crm', state: 'failed', error: 'Access denied' })],
      errors: () => [{ id: 1, ts: Date.now(), job: 'shop', table: null, message: 'Access denied', fix: 'GRANT REPLICATION SLAVE ON *.* TO cutover' }],
      jobStatus: () => status({ state: 'paused', phase: 'streaming', stream: stream({ pendingDdl: ddl, retentionSecondsLeft: 100 }) }),
    });
    render(<App api={fake.api} />);
    await screen.findByTestId('job-view');
    await screen.findByTestId('error-panel');
    const res = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false } } });
    expect(res.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  });
});
