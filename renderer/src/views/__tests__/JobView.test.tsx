import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { ApiError } from '../../../../shared/api';
import { JobView } from '../JobView';
import { fakeApi, status, stream } from './fake-api';

vi.mock('../../widgets/live-chart/MetricsCharts', () => import('./widget-stubs'));
vi.mock('../../widgets/log-viewer/LogViewer', () => import('./widget-stubs'));
vi.mock('../../widgets/table-grid/TableGrid', () => import('./widget-stubs'));

afterEach(cleanup);

const button = (id: string) => screen.getByTestId(id) as HTMLButtonElement;
const shown = () => ['start', 'pause', 'resume', 'stop'].filter((c) => screen.queryByTestId(`btn-${c}`) !== null);
const enabled = () => shown().filter((c) => !button(`btn-${c}`).disabled);

async function renderJob(state: string, over: Parameters<typeof status>[0] = {}, handlers: Parameters<typeof fakeApi>[0] = {}) {
  const fake = fakeApi({ jobStatus: () => status({ state, ...over }), verification: () => null, ...handlers });
  render(<JobView api={fake.api} job="shop" />);
  await screen.findByTestId('job-view');
  return fake;
}

describe('JobView controls', () => {
  it.each([
    ['idle', ['start']],
    ['stopped', ['start']],
    ['failed', ['start']],
    ['interrupted', ['start']],
    ['running', ['pause', 'stop']],
    ['paused', ['resume', 'stop']],
    ['done', []],
  ])('state %s shows and enables only %j', async (state, expected) => {
    await renderJob(state);
    expect(shown()).toEqual(expected);
    expect(enabled()).toEqual(expected);
    expect(screen.getByTestId('job-state').textContent).toContain(state);
  });

  it.each([
    ['stopped', 'start'],
    ['running', 'pause'],
    ['paused', 'resume'],
    ['running', 'stop'],
  ] as const)('in state %s, %s calls the API method and disables the controls while in flight', async (state, control) => {
    let finish!: () => void;
    const fake = await renderJob(state, {}, { [control]: () => new Promise<void>((r) => (finish = r)) });
    fireEvent.click(button(`btn-${control}`));
    expect(fake.callsOf(control)).toEqual([['shop']]);
    expect(enabled()).toEqual([]);
    finish();
    await waitFor(() => expect(enabled().length).toBeGreaterThan(0));
  });

  it('shows an ApiError with its fix in a banner', async () => {
    await renderJob('stopped', {}, {
      start: () => {
        throw new ApiError('The source refused the connection.', 'Check the host and port in the job file.', 'CONNECT');
      },
    });
    fireEvent.click(button('btn-start'));
    const banner = await screen.findByTestId('error-banner');
    expect(banner.textContent).toContain('The source refused the connection.');
    expect(banner.textContent).toContain('What to do: Check the host and port in the job file.');
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss this error' }));
    expect(screen.queryByTestId('error-banner')).toBeNull();
  });

  it('disables pause and stop for a job running in another process', async () => {
    const fake = fakeApi({ jobStatus: () => status({ state: 'running' }) });
    render(<JobView api={fake.api} job="shop" controllable={false} />);
    await screen.findByTestId('job-view');
    expect(shown()).toEqual(['pause', 'stop']);
    expect(enabled()).toEqual([]);
    expect(screen.getByRole('group', { name: 'Job controls' }).textContent).toContain('runs in another process');
  });
});

describe('JobView data', () => {
  it('replaces the status from status events of its job only, and watches the job while mounted', async () => {
    const fake = await renderJob('running');
    expect(fake.watches).toEqual([['shop']]);
    fake.emit({ type: 'status', job: 'other', status: status({ name: 'other', state: 'failed' }) });
    expect(screen.getByTestId('job-state').textContent).toContain('running');
    fake.emit({ type: 'status', job: 'shop', status: status({ state: 'paused', phase: 'catching-up', stream: stream() }) });
    expect(screen.getByTestId('job-state').textContent).toContain('paused');
    expect(screen.getByTestId('job-phase').textContent).toBe('catching up');
    cleanup();
    expect(fake.watches).toEqual([['shop'], []]);
  });

  it('shows positions, and warns when the binlog retention left is under an hour', async () => {
    await renderJob('running', { phase: 'streaming', stream: stream({ retentionSecondsLeft: 1800 }) });
    const panel = screen.getByTestId('position-panel');
    expect(panel.textContent).toContain('mysql-bin.000003:1200');
    expect(panel.textContent).toContain('0-1-55');
    expect(panel.textContent).toContain('mysql-bin.000003:400');
    expect(screen.getByTestId('retention-left').className).toContain('text-warn');
    expect(screen.getByTestId('tile-events').textContent).toContain('42 events/s');
    expect(screen.getByTestId('tile-events').textContent).toContain('12 transactions/s');
  });

  it('shows a caught-up lag as "0.0 s · caught up" and emphasises the stream tiles while streaming', async () => {
    await renderJob('running', { phase: 'streaming', stream: stream({ caughtUp: true, lagSeconds: 0 }) });
    expect(screen.getByTestId('tile-lag').textContent).toContain('0.0 s · caught up');
    const emphasised = screen.getAllByTestId(/^tile-/).filter((t) => t.dataset.emphasis).map((t) => t.dataset.testid);
    expect(emphasised).toEqual(['tile-events', 'tile-lag']);
    expect(screen.getByTestId('tile-copy-rate').textContent).toContain('copy finished');
  });

  it('emphasises rows copied and rate while copying, and explains the unknown stream values', async () => {
    await renderJob('running', { phase: 'copying' });
    const emphasised = screen.getAllByTestId(/^tile-/).filter((t) => t.dataset.emphasis).map((t) => t.dataset.testid);
    expect(emphasised).toEqual(['tile-rows', 'tile-copy-rate']);
    expect(screen.getByTestId('tile-copy-rate').textContent).toContain('2,500 rows/s');
    for (const id of ['tile-events', 'tile-lag', 'tile-behind']) {
      expect(screen.getByTestId(id).textContent).toContain('—');
      expect(screen.getByTestId(id).textContent).toContain('starts after the copy');
    }
  });

  it('cards show the numbers the charts end with, not the status\'s own (one source for both)', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const history = () => [
      { ts: ts - 2, rowsPerSecond: null, eventsPerSecond: 10, lagSeconds: 0.4 },
      { ts: ts - 1, rowsPerSecond: null, eventsPerSecond: 7, lagSeconds: 0.9 },
    ];
    // The status says caught up with 42 events/s; the newest sample says 0.9 s and 7 events/s.
    await renderJob('running', { phase: 'streaming', stream: stream({ caughtUp: true, lagSeconds: 0 }) }, { history });
    await waitFor(() => expect(screen.getByTestId('tile-lag').textContent).toContain('0.9 s'));
    expect(screen.getByTestId('tile-lag').textContent).not.toContain('caught up');
    expect(screen.getByTestId('tile-events').textContent).toContain('7 events/s');
  });

  it('a copy-only job shows no stream cards, no stream positions and no "in progress" cut over', async () => {
    const { cutoverState } = await import('./fixtures');
    await renderJob(
      'done',
      { mode: 'snapshot', phase: 'done', finishedAt: Date.now() },
      { cutoverState: () => cutoverState({ lag: { state: 'skipped' }, fence: { state: 'skipped' } }) },
    );
    expect(screen.queryByTestId('tile-events')).toBeNull();
    expect(screen.queryByTestId('tile-lag')).toBeNull();
    const panel = screen.getByTestId('position-panel');
    expect(panel.textContent).not.toContain('Copy ended at');
    expect(panel.textContent).toContain('Copy finished');
    expect(panel.textContent).not.toContain('Catch-up target');
    await waitFor(() => expect(screen.getByTestId('step-cutover').textContent).not.toContain('in progress'));
  });

  it('says the stream is awaited when streaming has begun but no sample has arrived', async () => {
    await renderJob('running', { phase: 'streaming', stream: null });
    expect(screen.getByTestId('tile-events').textContent).toContain('waiting for the first sample');
    expect(screen.getByTestId('tile-lag').textContent).not.toContain('caught up');
  });

  it('shows a load error', async () => {
    const fake = fakeApi({
      jobStatus: () => {
        throw new ApiError('No job named "shop" in the state file.', 'Open its job file.', 'NO_JOB');
      },
    });
    render(<JobView api={fake.api} job="shop" />);
    expect((await screen.findByTestId('error-banner')).textContent).toContain('No job named');
  });

  it('resumes past a paused DDL statement only after confirming', async () => {
    const ddl = { position: 'mysql-bin.000003:2000', db: 'shop', sql: 'ALTER TABLE orders ADD COLUMN x INT', reason: 'The sink refused it.' };
    const fake = await renderJob('paused', { phase: 'streaming', stream: stream({ pendingDdl: ddl }) }, { resume: () => undefined });
    expect(screen.getByTestId('pending-ddl').textContent).toContain('ALTER TABLE orders ADD COLUMN x INT');
    fireEvent.click(button('btn-skip-ddl'));
    fireEvent.click(screen.getByTestId('confirm-cancel'));
    expect(fake.callsOf('resume')).toEqual([]);
    fireEvent.click(button('btn-skip-ddl'));
    fireEvent.click(screen.getByTestId('confirm-ok'));
    expect(fake.callsOf('resume')).toEqual([['shop', { skipDdl: true }]]);
  });

  it('shows a table paused at DDL with its held changes while the job runs, and resumes or skips it after confirming', async () => {
    const paused = { table: 'shop.orders', position: 'mysql-bin.000003:2000', sql: 'ALTER TABLE orders ADD COLUMN x INT', reason: 'the job\'s DDL policy is "pause-table" for shop.orders', heldChanges: 4535, request: null };
    const fake = await renderJob('running', { phase: 'streaming', stream: stream({ pausedTables: [paused] }) }, { resumeTable: () => undefined });
    const panel = screen.getByTestId('paused-tables');
    expect(panel.textContent).toContain('ALTER TABLE orders ADD COLUMN x INT');
    expect(panel.textContent).toContain('the others stream on');
    expect(screen.getByTestId('held-changes').textContent).toContain('4,535 changes');
    fireEvent.click(button('btn-resume-table'));
    fireEvent.click(screen.getByTestId('confirm-cancel'));
    expect(fake.callsOf('resumeTable')).toEqual([]);
    fireEvent.click(button('btn-resume-table'));
    fireEvent.click(screen.getByTestId('confirm-ok'));
    await waitFor(() => expect(fake.callsOf('resumeTable')).toEqual([['shop', 'shop.orders', { skip: false }]]));
    fireEvent.click(button('btn-skip-table-ddl'));
    fireEvent.click(screen.getByTestId('confirm-ok'));
    await waitFor(() => expect(fake.callsOf('resumeTable')).toEqual([['shop', 'shop.orders', { skip: false }], ['shop', 'shop.orders', { skip: true }]]));
  });

  it('retries a table directly and re-copies one after confirming; re-copy only before streaming', async () => {
    const fake = await renderJob('stopped', {}, { retryTable: () => undefined, recopyTable: () => undefined });
    expect(screen.getByTestId('grid-stub').dataset.canRecopy).toBe('true');
    fireEvent.click(screen.getByText('retry shop.orders'));
    expect(fake.callsOf('retryTable')).toEqual([['shop', 'shop.orders']]);
    fireEvent.click(screen.getByText('recopy shop.orders'));
    expect(fake.callsOf('recopyTable')).toEqual([]);
    expect(screen.getByRole('dialog').textContent).toContain('shop.orders');
    fireEvent.click(screen.getByTestId('confirm-ok'));
    await waitFor(() => expect(fake.callsOf('recopyTable')).toEqual([['shop', 'shop.orders']]));
    fake.emit({ type: 'status', job: 'shop', status: status({ state: 'running', phase: 'streaming', stream: stream() }) });
    expect(screen.getByTestId('grid-stub').dataset.canRecopy).toBe('false');
  });

  it('warns while the stream waits for a sink that does not answer, and only then', async () => {
    const fake = await renderJob('running', { phase: 'streaming', sinkWaitingSeconds: 95, stream: stream({ sinkWaitingSeconds: 95 }) });
    expect(screen.getByTestId('sink-waiting').textContent).toContain('The sink has not answered for 1m 35s');
    fake.emit({ type: 'status', job: 'shop', status: status({ state: 'running', phase: 'streaming', sinkWaitingSeconds: null, stream: stream({ sinkWaitingSeconds: null }) }) });
    expect(screen.queryByTestId('sink-waiting')).toBeNull();
  });

  it('warns while the copy waits for a sink that does not answer (no stream yet), and clears when it answers', async () => {
    const fake = await renderJob('running', { phase: 'copying', stream: null, sinkWaitingSeconds: 12 });
    expect(screen.getByTestId('sink-waiting').textContent).toContain('The sink has not answered for 12s');
    fake.emit({ type: 'status', job: 'shop', status: status({ state: 'running', phase: 'copying', stream: null, sinkWaitingSeconds: 14 }) });
    expect(screen.getByTestId('sink-waiting').textContent).toContain('The sink has not answered for 14s');
    fake.emit({ type: 'status', job: 'shop', status: status({ state: 'running', phase: 'copying', stream: null, sinkWaitingSeconds: null }) });
    expect(screen.queryByTestId('sink-waiting')).toBeNull();
  });

  it('does not warn about a wait of a job that is no longer running', async () => {
    await renderJob('interrupted', { phase: 'copying', stream: null, sinkWaitingSeconds: 40 });
    expect(screen.queryByTestId('sink-waiting')).toBeNull();
  });
});

describe('JobView Remove', () => {
  const mysqlJob = JSON.stringify({ name: 'shop', source: { profile: 'src' }, sink: { type: 'mysql', profile: 'dst' }, tables: { include: ['shop.*'] } });
  const kafkaJob = JSON.stringify({ name: 'shop', source: { profile: 'src' }, sink: { type: 'kafka', profile: 'bus' }, tables: { include: ['shop.*'] } });

  it('is refused while the job runs', async () => {
    await renderJob('running');
    expect(button('btn-remove-job').disabled).toBe(true);
    expect(button('btn-remove-job').title).toContain('Stop the job first');
  });

  it('removes after confirming, offering to clean the MySQL sink checkpoint, then shows the jobs', async () => {
    window.location.hash = '#/jobs/shop';
    const fake = await renderJob('stopped', {}, { jobConfig: () => mysqlJob, removeJob: () => ({ name: 'shop', sink: 'kept' }) });
    fireEvent.click(button('btn-remove-job'));
    const dialog = screen.getByRole('dialog');
    expect(dialog.textContent).toContain('Remove the job "shop"?');
    expect(dialog.textContent).toContain('The tables and rows already copied to the sink stay.');
    fireEvent.click(screen.getByTestId('confirm-cancel'));
    expect(fake.callsOf('removeJob')).toEqual([]);
    fireEvent.click(button('btn-remove-job'));
    fireEvent.click(await screen.findByTestId('remove-clean-sink-check'));
    expect(screen.getByTestId('remove-clean-sink').textContent).toContain('_cutover.cutover_checkpoint');
    fireEvent.click(screen.getByTestId('confirm-ok'));
    await waitFor(() => expect(fake.callsOf('removeJob')).toEqual([['shop', { cleanSink: true }]]));
    await waitFor(() => expect(window.location.hash).toBe('#/'));
  });

  it('for a Kafka sink says what Kafka keeps, and offers no checkpoint to clean', async () => {
    const fake = await renderJob('done', {}, { jobConfig: () => kafkaJob, removeJob: () => ({ name: 'shop', sink: 'kept' }) });
    fireEvent.click(button('btn-remove-job'));
    expect((await screen.findByTestId('remove-sink-kept')).textContent).toContain('Kafka keeps the topics and their messages');
    expect(screen.queryByTestId('remove-clean-sink')).toBeNull();
    fireEvent.click(screen.getByTestId('confirm-ok'));
    await waitFor(() => expect(fake.callsOf('removeJob')).toEqual([['shop', { cleanSink: false }]]));
  });

  it('shows the engine refusing (e.g. the job started meanwhile) with its fix', async () => {
    await renderJob('stopped', {}, {
      jobConfig: () => mysqlJob,
      removeJob: () => {
        throw new ApiError('The job "shop" is running (process 42); a running job cannot be removed.', 'Stop it first, then remove it.', 'STATE');
      },
    });
    fireEvent.click(button('btn-remove-job'));
    fireEvent.click(screen.getByTestId('confirm-ok'));
    const banner = await screen.findByTestId('error-banner');
    expect(banner.textContent).toContain('a running job cannot be removed');
    expect(banner.textContent).toContain('Stop it first');
  });
});
