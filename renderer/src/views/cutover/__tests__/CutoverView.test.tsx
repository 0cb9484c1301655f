import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { CutoverState } from '../../../../../shared/cutover';
import { axeViolations } from '../../../widgets/axe';
import { fakeApi } from '../../__tests__/fake-api';
import { cutoverState } from '../../__tests__/fixtures';
import { CutoverView } from '../CutoverView';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

let clicked: { download: string; href: string }[] = [];
beforeEach(() => {
  clicked = [];
  Object.assign(URL, { createObjectURL: vi.fn(() => 'blob:report'), revokeObjectURL: vi.fn() });
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    clicked.push({ download: this.download, href: this.href });
  });
});

function setup(initial: CutoverState, handlers: Parameters<typeof fakeApi>[0] = {}) {
  let state = initial;
  const fake = fakeApi({
    cutoverState: () => state,
    cutoverRun: (_job, step, options) => {
      state = cutoverState({ ...Object.fromEntries(state.steps.map((s) => [s.id, s])), [step]: { state: options?.skip ? 'skipped' : 'done', detail: `${step} done`, operator: 'alice@laptop', startedAt: Date.now(), finishedAt: Date.now() } });
      return state;
    },
    cutoverUndo: (_job, step) => {
      state = cutoverState({ ...Object.fromEntries(state.steps.map((s) => [s.id, s])), [step]: { state: 'undone' } });
      return state;
    },
    ...handlers,
  });
  const view = render(<CutoverView api={fake.api} job="shop" pollMs={10} />);
  return { fake, view, set: (s: CutoverState) => (state = s) };
}

describe('CutoverView', () => {
  it('shows each step with its state, result, operator and how to roll it back; passes axe', async () => {
    const { view } = setup(
      cutoverState(
        { lag: { state: 'done', detail: 'Lag 0.4 s, under 5 s.', operator: 'alice@laptop', startedAt: Date.now() - 5000, finishedAt: Date.now(), facts: { lagSeconds: 0.4, thresholdSeconds: 5 } }, fence: { blockedBy: 'the lag step' }, verify: { state: 'failed', detail: '1 table differs.', fix: 'Repair it from the job view.' } },
        [{ kind: 'trigger', name: 'shop.trg_audit', sinkName: 'shop.trg_audit', state: 'failed', error: 'Access denied' }],
      ),
    );
    const lag = await screen.findByTestId('cutover-step-lag');
    expect(lag.dataset.state).toBe('done');
    expect(lag.textContent).toContain('Lag 0.4 s, under 5 s.');
    expect(lag.textContent).toContain('by alice@laptop');
    // Facts in words with their units, not field names.
    expect(lag.textContent).toContain('Lag when checked0.4 s');
    expect(lag.textContent).toContain('Lag threshold5 s');
    expect(lag.textContent).not.toMatch(/lagSeconds|thresholdSeconds/);
    expect(screen.getByTestId('cutover-rollback-read-only').textContent).toContain('SET GLOBAL read_only = OFF');
    expect((screen.getByTestId('cutover-run-fence') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('cutover-blocked-fence').textContent).toContain('the lag step');
    expect(screen.getByTestId('cutover-step-verify').textContent).toContain('What to do: Repair it from the job view.');
    expect(screen.getByTestId('deferred-shop.trg_audit').textContent).toContain('Access denied');
    expect(screen.getByTestId('cutover-progress').textContent).toBe('1 of 6 steps done');
    expect(await axeViolations(view.container)).toEqual([]);
  });

  it('runs the lag step with the threshold typed', async () => {
    const { fake } = setup(cutoverState());
    const input = (await screen.findByTestId('cutover-lag-threshold')) as HTMLInputElement;
    expect(input.value).toBe('5');
    fireEvent.change(input, { target: { value: '2' } });
    fireEvent.click(screen.getByTestId('cutover-run-lag'));
    await waitFor(() => expect(fake.callsOf('cutoverRun')).toEqual([['shop', 'lag', { lagThresholdSeconds: 2 }]]));
    await waitFor(() => expect(screen.getByTestId('cutover-step-lag').dataset.state).toBe('done'));
  });

  it('asks before making the source read-only, naming it without its password; Undo asks too', async () => {
    const { fake } = setup(cutoverState({ lag: { state: 'done' } }));
    fireEvent.click(await screen.findByTestId('cutover-run-read-only'));
    const dialog = await screen.findByRole('dialog');
    await waitFor(() => expect(dialog.textContent).toContain('root@db1.example.com:3306'));
    expect(dialog.textContent).not.toContain('s3cret');
    expect(dialog.textContent).toContain('every write to the source by the applications fails');
    fireEvent.click(within(dialog).getByTestId('confirm-cancel'));
    expect(fake.callsOf('cutoverRun')).toEqual([]);
    fireEvent.click(screen.getByTestId('cutover-run-read-only'));
    fireEvent.click(screen.getByTestId('confirm-ok'));
    await waitFor(() => expect(fake.callsOf('cutoverRun')).toEqual([['shop', 'read-only', { confirm: true }]]));

    fireEvent.click(await screen.findByTestId('cutover-undo-read-only'));
    expect(screen.getByRole('dialog').textContent).toContain('SET GLOBAL read_only = OFF on the source.');
    fireEvent.click(screen.getByTestId('confirm-ok'));
    await waitFor(() => expect(fake.callsOf('cutoverUndo')).toEqual([['shop', 'read-only']]));
    await waitFor(() => expect(screen.getByTestId('cutover-step-read-only').dataset.state).toBe('undone'));
  });

  it('a failed freeze names the sessions that write through read-only; Kill confirms them by name and kills exactly those', async () => {
    const session = { id: 42, user: 'app', host: '10.0.0.7:51234', db: 'shop', command: 'Query', timeSeconds: 3, state: null, info: 'INSERT INTO orders …', account: "'app'@'%'", privilege: 'READ_ONLY ADMIN' };
    const failed = cutoverState({ lag: { state: 'done' }, 'read-only': { state: 'failed', detail: 'The freeze did not hold.' } });
    failed.bypass = { accounts: [{ account: "'app'@'%'", privileges: ['READ_ONLY ADMIN'], revoke: ["REVOKE READ_ONLY ADMIN ON *.* FROM 'app'@'%'"], cutover: false }], sessions: [session] };
    const { fake } = setup(failed, { cutoverKill: () => cutoverState({ lag: { state: 'done' }, 'read-only': { state: 'failed' } }) });
    const bypass = await screen.findByTestId('cutover-bypass');
    expect(within(bypass).getByTestId('bypass-session-42').textContent).toContain('app@10.0.0.7:51234');
    expect(screen.getByTestId('cutover-bypass-accounts').textContent).toContain("REVOKE READ_ONLY ADMIN ON *.* FROM 'app'@'%'");
    expect(screen.queryByTestId('cutover-skip-read-only')).toBeNull();
    fireEvent.click(screen.getByTestId('cutover-kill-sessions'));
    expect(screen.getByTestId('cutover-kill-list').textContent).toContain('#42 app@10.0.0.7:51234');
    expect(fake.callsOf('cutoverKill')).toEqual([]);
    fireEvent.click(screen.getByTestId('confirm-ok'));
    await waitFor(() => expect(fake.callsOf('cutoverKill')).toEqual([['shop', [42]]]));
  });

  it('lists the transactions open on the source before the freeze', async () => {
    const s = cutoverState({ lag: { state: 'done' } });
    s.openTransactions = [{ id: 7, user: 'batch', host: 'h:1', db: null, command: 'Sleep', timeSeconds: 90, state: null, info: null, account: null, privilege: null, transactionSeconds: 95 }];
    setup(s);
    expect((await screen.findByTestId('open-trx-7')).textContent).toContain('95 s');
    fireEvent.click(screen.getByTestId('cutover-run-read-only'));
    expect(within(screen.getByRole('dialog')).getByTestId('open-trx-7')).toBeTruthy();
  });

  it('polls every second while a step runs, and stops when it is done', async () => {
    const { fake, set } = setup(cutoverState({ lag: { state: 'done' }, 'read-only': { state: 'done' }, fence: { state: 'running' } }));
    await screen.findByTestId('cutover-step-fence');
    await waitFor(() => expect(fake.callsOf('cutoverState').length).toBeGreaterThan(2));
    set(cutoverState({ lag: { state: 'done' }, 'read-only': { state: 'done' }, fence: { state: 'done' } }));
    await waitFor(() => expect(screen.getByTestId('cutover-step-fence').dataset.state).toBe('done'));
    const n = fake.callsOf('cutoverState').length;
    await new Promise((r) => setTimeout(r, 60));
    expect(fake.callsOf('cutoverState').length).toBe(n);
  });

  it('exports the report as Markdown and HTML files and previews the Markdown', async () => {
    const { fake } = setup(cutoverState(), {
      cutoverReport: (_job, format) =>
        format === 'markdown' ? { fileName: 'shop-cutover.md', mime: 'text/markdown', text: '# Cutover of shop\n\nAll steps done.' } : { fileName: 'shop-cutover.html', mime: 'text/html', text: '<h1>Cutover</h1>' },
    });
    fireEvent.click(await screen.findByTestId('btn-export-md'));
    await waitFor(() => expect(clicked).toEqual([{ download: 'shop-cutover.md', href: 'blob:report' }]));
    expect(screen.getByTestId('cutover-report-preview').textContent).toBe('# Cutover of shop\n\nAll steps done.');
    fireEvent.click(screen.getByTestId('btn-export-html'));
    await waitFor(() => expect(clicked.map((c) => c.download)).toEqual(['shop-cutover.md', 'shop-cutover.html']));
    expect(fake.callsOf('cutoverReport')).toEqual([
      ['shop', 'markdown'],
      ['shop', 'html'],
    ]);
    const blob = (URL.createObjectURL as unknown as { mock: { calls: [Blob][] } }).mock.calls[1]![0];
    expect(blob.type).toBe('text/html;charset=utf-8');
    expect(document.querySelectorAll('a[download]').length).toBe(0);
  });
});
