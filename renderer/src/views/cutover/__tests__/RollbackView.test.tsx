import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { RollbackState } from '../../../../../shared/rollback';
import { axeViolations } from '../../../widgets/axe';
import { fakeApi, summary } from '../../__tests__/fake-api';
import { rollbackState } from '../../__tests__/fixtures';
import { RollbackView } from '../RollbackView';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

let clicked: { download: string }[] = [];
beforeEach(() => {
  clicked = [];
  Object.assign(URL, { createObjectURL: vi.fn(() => 'blob:report'), revokeObjectURL: vi.fn() });
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    clicked.push({ download: this.download });
  });
});

const reverse = (over: Parameters<typeof summary>[0] = {}) => summary({ name: 'shop-reverse', mode: 'stream', phase: 'streaming', state: 'running', lagSeconds: 0.3, pair: { role: 'reverse', job: 'shop' }, ...over });

function setup(initial: RollbackState, handlers: Parameters<typeof fakeApi>[0] = {}) {
  let state = initial;
  const fake = fakeApi({
    rollbackState: () => state,
    listJobs: () => [summary({ name: 'shop', state: 'switched', pair: { role: 'forward', job: 'shop-reverse' } }), reverse()],
    rollbackRun: (_job, step) => {
      state = rollbackState({ ...Object.fromEntries(state.steps.map((s) => [s.id, s])), [step]: { state: 'done', detail: `${step} done`, operator: 'alice@laptop', startedAt: Date.now() - 2000, finishedAt: Date.now() } });
      return state;
    },
    rollbackReport: (_job, format) => ({ fileName: `rollback-report-shop.${format === 'html' ? 'html' : 'md'}`, mime: format === 'html' ? 'text/html' : 'text/markdown', text: '# Rollback of shop\n' }),
    ...handlers,
  });
  const view = render(<RollbackView api={fake.api} job="shop" pollMs={10} />);
  return { fake, view, set: (s: RollbackState) => (state = s) };
}

const DONE = { state: 'done', operator: 'alice@laptop', startedAt: Date.now() - 5000, finishedAt: Date.now() } as const;

describe('RollbackView', () => {
  it('shows the six steps with result, fix, operator and times, the server that takes writes, and the readiness; passes axe', async () => {
    const { view } = setup(rollbackState({ freeze: { ...DONE, detail: 'Frozen at new-bin.000002:4410; no write after it.', facts: { position: 'new-bin.000002:4410' } }, fence: { state: 'failed', detail: 'The reverse job is not running.', fix: 'Start it: cutover run shop-reverse.json' } }));
    const freeze = await screen.findByTestId('rollback-step-freeze');
    expect(freeze.dataset.state).toBe('done');
    expect(freeze.textContent).toContain('Frozen at new-bin.000002:4410');
    expect(freeze.textContent).toContain('by alice@laptop');
    expect(freeze.textContent).toContain('finished');
    expect(screen.getByTestId('rollback-step-fence').textContent).toContain('What to do: Start it: cutover run shop-reverse.json');
    expect(screen.getAllByRole('listitem').filter((li) => li.dataset.testid?.startsWith('rollback-step-'))).toHaveLength(6);
    const banner = screen.getByTestId('rollback-writable');
    expect(banner.dataset.takesWrites).toBe('neither');
    expect(banner.textContent).toContain('Neither server takes writes.');
    expect(screen.getByTestId('rollback-progress').textContent).toBe('1 of 6 steps done');
    const ready = await screen.findByTestId('rollback-readiness');
    expect(ready.dataset.readiness).toBe('ready');
    expect(screen.getByTestId('link-reverse-job').getAttribute('href')).toBe('#/jobs/shop-reverse');
    expect(await axeViolations(view.container)).toEqual([]);
  });

  it('the writable banner is shown before any step ran and after the last', async () => {
    setup(rollbackState());
    expect((await screen.findByTestId('rollback-writable')).dataset.takesWrites).toBe('new');
    cleanup();
    setup(rollbackState({ freeze: DONE, fence: DONE, verify: DONE, triggers: DONE, writable: DONE, report: DONE }, { rolledBack: true }));
    expect((await screen.findByTestId('rollback-writable')).dataset.takesWrites).toBe('old');
    expect(screen.getByTestId('rollback-complete').textContent).toContain('Rolled back.');
  });

  it('asks before freezing the new server and before making the old one writable, naming each server', async () => {
    const { fake } = setup(rollbackState());
    fireEvent.click(await screen.findByTestId('rollback-run-freeze'));
    let dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toContain('Make the new server mysql://app@new.example:3306 read-only?');
    expect(dialog.textContent).toContain('neither takes writes in between');
    fireEvent.click(within(dialog).getByTestId('confirm-cancel'));
    expect(fake.callsOf('rollbackRun')).toEqual([]);
    fireEvent.click(screen.getByTestId('rollback-run-freeze'));
    fireEvent.click(screen.getByTestId('confirm-ok'));
    await waitFor(() => expect(fake.callsOf('rollbackRun')).toEqual([['shop', 'freeze', { confirm: true }]]));
    await waitFor(() => expect(screen.getByTestId('rollback-writable').dataset.takesWrites).toBe('neither'));

    // A step without a confirmation runs at once.
    fireEvent.click(screen.getByTestId('rollback-run-fence'));
    await waitFor(() => expect(fake.callsOf('rollbackRun')).toEqual([['shop', 'freeze', { confirm: true }], ['shop', 'fence', undefined]]));

    cleanup();
    const again = setup(rollbackState({ freeze: DONE, fence: DONE, verify: DONE, triggers: DONE }));
    fireEvent.click(await screen.findByTestId('rollback-run-writable'));
    dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toContain('Let the old server mysql://app@old.example:3306 take writes again?');
    expect(dialog.textContent).toContain('stays read-only');
    fireEvent.click(within(dialog).getByTestId('confirm-ok'));
    await waitFor(() => expect(again.fake.callsOf('rollbackRun')).toEqual([['shop', 'writable', { confirm: true }]]));
    await waitFor(() => expect(screen.getByTestId('rollback-writable').dataset.takesWrites).toBe('old'));
  });

  it('a step answered as running (rollbackRun returns at once) shows Running… and is followed by polling to its end', async () => {
    const base = { freeze: DONE, fence: DONE };
    const { fake, set } = setup(rollbackState(base), {
      rollbackRun: (_job, step) => rollbackState({ ...base, [step]: { state: 'running', operator: 'alice@laptop', startedAt: Date.now() } }),
    });
    fireEvent.click(await screen.findByTestId('rollback-run-verify'));
    await waitFor(() => expect(screen.getByTestId('rollback-step-verify').dataset.state).toBe('running'));
    expect(screen.getByTestId('rollback-run-verify').textContent).toContain('Running…');
    const polls = fake.callsOf('rollbackState').length;
    set(rollbackState({ ...base, verify: { ...DONE, detail: 'Every table matches.' } }));
    await waitFor(() => expect(screen.getByTestId('rollback-step-verify').dataset.state).toBe('done'));
    expect(fake.callsOf('rollbackState').length).toBeGreaterThan(polls);
    expect(screen.getByTestId('rollback-step-verify').textContent).toContain('Every table matches.');
  });

  it('says which step was resumed after a crash, and polls while it runs', async () => {
    const { fake, set } = setup(rollbackState({ freeze: DONE, fence: { state: 'running', operator: 'alice@laptop', startedAt: Date.now() } }, { resumed: [{ step: 'fence', at: Date.now() }] }));
    const resumed = await screen.findByTestId('rollback-resumed');
    expect(resumed.textContent).toContain('“Reverse job: fence, drain, stop” resumed');
    expect(screen.getByTestId('rollback-step-fence').dataset.state).toBe('running');
    await waitFor(() => expect(fake.callsOf('rollbackState').length).toBeGreaterThan(2));
    set(rollbackState({ freeze: DONE, fence: DONE }));
    await waitFor(() => expect(screen.getByTestId('rollback-step-fence').dataset.state).toBe('done'));
    expect(screen.queryByTestId('rollback-resumed')).toBeNull();
  });

  it('exports the report as Markdown and HTML once its step ran', async () => {
    const { fake } = setup(rollbackState({ freeze: DONE, fence: DONE, verify: DONE, triggers: DONE, writable: DONE, report: DONE }));
    const report = await screen.findByTestId('rollback-step-report');
    fireEvent.click(within(report).getByTestId('btn-export-html'));
    await waitFor(() => expect(clicked.map((c) => c.download)).toEqual(['rollback-report-shop.html']));
    fireEvent.click(within(report).getByTestId('btn-export-md'));
    await waitFor(() => expect(screen.getByTestId('cutover-report-preview').textContent).toContain('# Rollback of shop'));
    expect(fake.callsOf('rollbackReport')).toEqual([
      ['shop', 'html'],
      ['shop', 'markdown'],
    ]);
  });

  it('shows the readiness of a reverse job that lags or stopped', async () => {
    setup(rollbackState(), { listJobs: () => [reverse({ lagSeconds: 42 })] });
    const r = await screen.findByTestId('rollback-readiness');
    expect(r.dataset.readiness).toBe('lagging');
    expect(r.textContent).toContain('lagging 42 s');
    cleanup();
    setup(rollbackState(), { listJobs: () => [reverse({ state: 'stopped', lagSeconds: null })] });
    expect((await screen.findByTestId('rollback-readiness')).textContent).toContain('stopped');
  });
});
