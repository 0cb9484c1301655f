import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import axe from 'axe-core';
import type { HostInfo } from '../../../../shared/api';
import { App } from '../../App';
import { fakeApi, status, summary } from './fake-api';
import { cutoverState, mysqlProfile, profileSummary, readyDraft } from './fixtures';

vi.mock('../../widgets/live-chart/MetricsCharts', () => import('./widget-stubs'));
vi.mock('../../widgets/log-viewer/LogViewer', () => import('./widget-stubs'));
vi.mock('../../widgets/table-grid/TableGrid', () => import('./widget-stubs'));

const info: HostInfo = { version: '0.1.0', statePath: '/tmp/state.db', shell: 'web', demo: { available: true, reason: null, job: null } };

const go = (hash: string) =>
  act(() => {
    window.location.hash = hash;
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  });

beforeEach(() => {
  window.location.hash = '';
});
afterEach(cleanup);

function setup(over: Parameters<typeof fakeApi>[0] = {}) {
  return fakeApi({
    info: () => info,
    listJobs: () => [summary({ name: 'shop', phase: 'streaming' })],
    errors: () => [],
    getDraft: () => null,
    listProfiles: () => [profileSummary(mysqlProfile('src'))],
    jobStatus: (j) => status({ name: j }),
    verification: () => null,
    cutoverState: () => cutoverState(),
    jobConfig: () => '{}',
    ...over,
  });
}

describe('routes', () => {
  it('opens the wizard, the connections and the cutover assistant from their hashes', async () => {
    const fake = setup();
    render(<App api={fake.api} />);
    await screen.findByTestId('job-view');
    const newBtn = screen.getByTestId('btn-new-migration');
    expect(newBtn.textContent).toBe('New migration');
    expect(newBtn.getAttribute('href')).toBe('#/new');

    go('#/new');
    await screen.findByTestId('wizard');
    expect(screen.getByTestId('btn-new-migration').getAttribute('aria-current')).toBe('page');
    expect(screen.queryByTestId('job-view')).toBeNull();

    go('#/connections');
    await screen.findByTestId('profile-row-src');
    expect(screen.getByTestId('nav-connections').getAttribute('aria-current')).toBe('page');

    go('#/jobs/shop/cutover');
    await screen.findByTestId('cutover-step-lag');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Cut over shop');
    expect(screen.getByTestId('job-item-shop').getAttribute('aria-current')).toBe('page');
    expect(screen.getByTestId('link-back-to-job').getAttribute('href')).toBe('#/jobs/shop');
  });

  it('offers "Continue migration draft" when a draft is saved', async () => {
    const fake = setup({ getDraft: () => readyDraft() });
    render(<App api={fake.api} />);
    await waitFor(() => expect(screen.getByTestId('btn-new-migration').textContent).toBe('Continue migration draft'));
  });

  it('the empty state offers a new migration first', async () => {
    const fake = setup({ listJobs: () => [] });
    render(<App api={fake.api} />);
    const empty = await screen.findByTestId('empty-state');
    const buttons = within(empty).getAllByRole('button');
    expect(buttons.map((b) => b.dataset.testid)).toEqual(['btn-new-migration-empty', 'btn-open-job-empty', 'btn-demo']);
    fireEvent.click(buttons[0]!);
    await screen.findByTestId('wizard');
    expect(window.location.hash).toBe('#/new');
  });

  it('passes an axe-core scan of the whole page with the wizard open', async () => {
    const fake = setup();
    window.location.hash = '#/new';
    render(<App api={fake.api} />);
    await screen.findByTestId('wizard-panel-source');
    await waitFor(() => expect((screen.getByTestId('field-source.profile') as HTMLSelectElement).options.length).toBe(2));
    const res = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false } } });
    expect(res.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  });
});
