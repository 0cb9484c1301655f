import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { axeViolations } from '../../../widgets/axe';
import { catalogTable, checkItem, preflightReport, profileSummary, readyDraft } from '../../__tests__/fixtures';
import { back, change, field, next, profiles, ready, setupWizard, stepShown } from './wizard-setup';

afterEach(cleanup);
beforeEach(() => {
  window.location.hash = '#/new';
});

describe('wizard: Source', () => {
  it('Next without a connection is refused: field error, focused summary, step marked', async () => {
    const { fake, view } = setupWizard();
    await ready();
    next();
    const summary = await screen.findByTestId('wizard-errors');
    expect(document.activeElement).toBe(summary);
    expect(summary.textContent).toContain('Choose a saved connection or create one.');
    expect(field('source.profile').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByTestId('field-error-source.profile').textContent).toContain('Choose a saved connection');
    expect(screen.getByTestId('wizard-step-source').dataset.state).toBe('error');
    expect(fake.callsOf('testProfile')).toEqual([]);
    expect(await axeViolations(view.container)).toEqual([]);
  });

  it('Next tests the chosen connection and refuses a failing one with its stage and fix', async () => {
    let ok = false;
    const { fake } = setupWizard({
      testProfile: () => (ok ? { ok: true, message: 'Connected' } : { ok: false, stage: 'network', message: 'connect ECONNREFUSED 10.0.0.5:3306', fix: 'Check that the server listens on this port.' }),
    });
    await ready();
    change('source.profile', 'src');
    expect(screen.getByTestId('source-picker').textContent).toContain('cutover@src.example.com:3306');
    next();
    const err = await screen.findByTestId('field-error-source.profile');
    expect(err.textContent).toContain('failed at the network stage: connect ECONNREFUSED');
    expect(err.textContent).toContain('Check that the server listens on this port.');
    expect(screen.getByTestId('source-test-result').textContent).toContain('Failed at the network stage');
    expect((fake.callsOf('testProfile')[0]![0] as { profile: { name: string } }).profile.name).toBe('src');
    ok = true;
    fireEvent.click(screen.getByTestId('source-test'));
    await waitFor(() => expect(screen.getByTestId('source-test-result').dataset.ok).toBe('true'));
    next();
    await stepShown('preflight');
    // The passing test was not repeated.
    expect(fake.callsOf('testProfile')).toHaveLength(2);
  });

  it('creates a connection inline and selects it', async () => {
    const list = [...profiles];
    const { fake } = setupWizard({
      listProfiles: () => list,
      saveProfile: (input) => {
        const saved = profileSummary(input.profile);
        list.push(saved);
        return saved;
      },
    });
    await ready();
    fireEvent.click(screen.getByTestId('source-new-connection'));
    const form = screen.getByTestId('profile-form');
    expect(within(form).queryByTestId('field-kind-kafka')).toBeNull();
    change('name', 'fresh');
    change('host', 'h');
    change('user', 'u');
    fireEvent.click(screen.getByTestId('profile-save'));
    await waitFor(() => expect(field('source.profile').value).toBe('fresh'));
    expect(fake.callsOf('listProfiles').length).toBe(2);
  });

  it('an inline edit of the chosen connection makes Next test it again', async () => {
    const { fake } = setupWizard({ saveProfile: (input) => profileSummary(input.profile) });
    await ready();
    change('source.profile', 'src');
    fireEvent.click(screen.getByTestId('source-test'));
    await screen.findByTestId('source-test-result');
    fireEvent.click(screen.getByTestId('source-edit-connection'));
    expect(field('host').value).toBe('src.example.com');
    change('host', 'src2.example.com');
    fireEvent.click(screen.getByTestId('profile-save'));
    await waitFor(() => expect(screen.queryByTestId('profile-form')).toBeNull());
    expect(screen.queryByTestId('source-test-result')).toBeNull();
    next();
    await stepShown('preflight');
    expect(fake.callsOf('testProfile')).toHaveLength(2);
  });
});

describe('wizard: Preflight', () => {
  it('runs the checks on arrival, groups them, copies a fix, and refuses Next while one fails', async () => {
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    let fixed = false;
    const { fake, view } = setupWizard(
      {
        wizardPreflight: () =>
          preflightReport([
            checkItem('binlog_format', fixed ? 'pass' : 'fail', { title: 'binlog_format is ROW', fix: "SET GLOBAL binlog_format = 'ROW';" }),
            checkItem('privileges', 'warn', { fix: 'GRANT REPLICATION CLIENT ON *.* TO cutover;' }),
            checkItem('version', 'pass'),
          ]),
      },
      readyDraft((d) => ({ ...d, step: 'preflight', preflight: { report: null, ranAt: null, forProfile: null, streaming: true } })),
    );
    const item = await screen.findByTestId('preflight-item-binlog_format');
    expect(item.dataset.status).toBe('fail');
    expect(fake.callsOf('wizardPreflight')).toHaveLength(1);
    expect(screen.getByTestId('preflight-report').textContent).toContain('1 failed · 1 warning · 1 passed');
    fireEvent.click(screen.getByTestId('preflight-copy-binlog_format'));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith("SET GLOBAL binlog_format = 'ROW';"));
    expect(item.textContent).toContain('Copied');
    next();
    expect((await screen.findByTestId('wizard-errors')).textContent).toContain('1 check(s) failed');
    expect(await axeViolations(view.container)).toEqual([]);
    fixed = true;
    fireEvent.click(screen.getByTestId('preflight-rerun'));
    await waitFor(() => expect(screen.getByTestId('preflight-item-binlog_format').dataset.status).toBe('pass'));
    next();
    await stepShown('tables');
  });

  it('a source with the binlog off: the mode is chosen here, and the job can go on as a copy-only job', async () => {
    const binlogOff = (streaming: boolean) =>
      preflightReport([
        checkItem('source.binlog.log_bin', streaming ? 'fail' : 'warn', { title: 'Binary log', fix: 'Restart the server with log_bin' }),
        checkItem('source.privilege.replication-slave', streaming ? 'fail' : 'warn', { title: 'REPLICATION SLAVE privilege' }),
        checkItem('source.version', 'pass'),
      ]);
    const { fake, store, view } = setupWizard(
      { wizardPreflight: (d) => binlogOff(d.options.mode !== 'snapshot') },
      readyDraft((d) => ({ ...d, step: 'preflight', preflight: { report: null, ranAt: null, forProfile: null, streaming: true } })),
    );
    expect((await screen.findByTestId('preflight-item-source.binlog.log_bin')).dataset.status).toBe('fail');
    expect((screen.getByTestId('field-preflight.mode-snapshot+stream') as HTMLInputElement).checked).toBe(true);
    expect(screen.getByTestId('preflight-copy-only').textContent).toContain('Only what streaming needs failed');
    expect(await axeViolations(view.container)).toEqual([]);
    fireEvent.click(screen.getByTestId('btn-continue-copy-only'));
    await waitFor(() => expect(screen.getByTestId('preflight-item-source.binlog.log_bin').dataset.status).toBe('warn'));
    expect(fake.callsOf('wizardPreflight').map(([d]) => (d as { options: { mode: string } }).options.mode)).toEqual(['snapshot+stream', 'snapshot']);
    expect(screen.getByTestId('preflight-report').dataset.ok).toBe('true');
    expect(screen.queryByTestId('preflight-copy-only')).toBeNull();
    expect((screen.getByTestId('field-preflight.mode-snapshot') as HTMLInputElement).checked).toBe(true);
    next();
    await stepShown('tables');
    await waitFor(() => expect(store.draft?.options.mode).toBe('snapshot'));
  });

  it('choosing a streaming mode again runs the checks again', async () => {
    const { fake } = setupWizard(
      { wizardPreflight: (d) => preflightReport([checkItem('source.binlog.log_bin', d.options.mode === 'snapshot' ? 'warn' : 'fail')]) },
      readyDraft((d) => ({ ...d, step: 'preflight', options: { ...d.options, mode: 'snapshot' }, preflight: { report: null, ranAt: null, forProfile: null, streaming: false } })),
    );
    expect((await screen.findByTestId('preflight-item-source.binlog.log_bin')).dataset.status).toBe('warn');
    fireEvent.click(screen.getByTestId('field-preflight.mode-stream'));
    await waitFor(() => expect(screen.getByTestId('preflight-item-source.binlog.log_bin').dataset.status).toBe('fail'));
    expect(fake.callsOf('wizardPreflight')).toHaveLength(2);
    next();
    expect((await screen.findByTestId('wizard-errors')).textContent).toContain('1 check(s) failed');
  });

  it('copy falls back gracefully when the clipboard is refused', async () => {
    Object.defineProperty(navigator, 'clipboard', { value: { writeText: vi.fn(async () => Promise.reject(new Error('denied'))) }, configurable: true });
    setupWizard({ wizardPreflight: () => preflightReport([checkItem('x', 'fail', { fix: 'SELECT 1;' })]) }, readyDraft((d) => ({ ...d, step: 'preflight', preflight: { ...d.preflight, report: null } })));
    fireEvent.click(await screen.findByTestId('preflight-copy-x'));
    expect(await screen.findByText(/select the text and press Ctrl\+C/)).toBeTruthy();
  });
});

describe('wizard: Tables', () => {
  it('selects by pattern, by database (tri-state) and by table, with totals; Next needs one', async () => {
    const { view, store } = setupWizard({}, readyDraft((d) => ({ ...d, step: 'tables', tables: { selected: [] } })));
    await screen.findByTestId('table-check-shop.orders');
    expect(screen.getByTestId('catalog-row-shop.log').textContent).toContain('no primary or unique key');
    next();
    expect((await screen.findByTestId('wizard-errors')).textContent).toContain('Select at least one table.');

    fireEvent.change(screen.getByTestId('tables-pattern'), { target: { value: 'shop.*' } });
    fireEvent.click(screen.getByTestId('tables-pattern-add'));
    expect(screen.getByTestId('tables-pattern-result').textContent).toContain('3 tables match; 3 added');
    expect(screen.getByTestId('tables-patterns').textContent).toContain('shop.*');
    expect(screen.getByTestId('tables-summary').textContent).toContain('3 of 4 tables selected · ~5,210 rows');
    expect((screen.getByTestId('db-check-shop') as HTMLInputElement).checked).toBe(true);
    expect(screen.queryByTestId('wizard-errors')).toBeNull();

    fireEvent.click(screen.getByTestId('table-check-shop.users'));
    expect((screen.getByTestId('db-check-shop') as HTMLInputElement).indeterminate).toBe(true);
    // The pattern is kept for the job file (tables created later match it); the unselected match is excluded.
    await waitFor(() => expect(store.draft?.tables).toEqual({ selected: ['shop.orders', 'shop.log'], patterns: ['shop.*'], excluded: ['shop.users'] }));
    fireEvent.click(screen.getByTestId('db-check-crm'));
    expect(screen.getByTestId('tables-summary').textContent).toContain('3 of 4 tables selected');
    fireEvent.change(screen.getByTestId('tables-pattern'), { target: { value: '/^crm\\.nothing$/' } });
    fireEvent.click(screen.getByTestId('tables-pattern-add'));
    expect(screen.getByTestId('tables-pattern-result').textContent).toContain('No table matches');
    expect(await axeViolations(view.container)).toEqual([]);
    next();
    await stepShown('sink');
  });

  it('stays usable with 5,000 tables: only the rows in view are rendered; search narrows them', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => catalogTable(`db${Math.floor(i / 500)}`, `t${i}`));
    setupWizard({ sourceCatalog: () => many }, readyDraft((d) => ({ ...d, step: 'tables', tables: { selected: [] } })));
    await screen.findByTestId('table-check-db0.t0');
    expect(document.querySelectorAll('.catalog-row').length).toBeLessThan(60);
    fireEvent.change(screen.getByRole('searchbox'), { target: { value: 't4999' } });
    expect(screen.getByTestId('table-check-db9.t4999')).toBeTruthy();
    fireEvent.click(screen.getByTestId('tables-select-shown'));
    expect(screen.getByTestId('tables-summary').textContent).toContain('1 of 5,000 tables selected');
  });
});

describe('wizard: Review', () => {
  it('says that the patterns are kept: tables created later that match are copied too', async () => {
    setupWizard(
      { estimate: () => Promise.reject(new Error('not timed here')), exportJob: () => Promise.reject(new Error('not exported here')) },
      readyDraft((d) => ({ ...d, step: 'review', tables: { selected: ['shop.orders', 'shop.users', 'shop.log'], patterns: ['shop.*'] } })),
    );
    expect((await screen.findByTestId('review-patterns')).textContent).toContain('and tables created later that match shop.*');
  });
});

describe('wizard: the sink is the source', () => {
  it('the Sink step lets it through to Mapping, which asks for new database names', async () => {
    const { view } = setupWizard({}, readyDraft((d) => ({ ...d, step: 'sink', sink: { profile: null }, tables: { selected: ['shop.orders', 'shop.users'] } })));
    await stepShown('sink');
    change('sink.profile', 'src');
    expect(screen.getByTestId('sink-is-source').textContent).toContain('in the next step (Mapping) give each database a new name');
    next();
    await stepShown('mapping');
    expect(screen.getByTestId('mapping-sink-is-source')).toBeTruthy();
    next();
    const summary = await screen.findByTestId('wizard-errors');
    expect(summary.textContent).toContain('The sink is the source itself, so 2 tables of shop would be copied onto themselves');
    expect(screen.getByTestId('field-error-mapping.rename.shop')).toBeTruthy();
    expect(await axeViolations(view.container)).toEqual([]);
    change('mapping.rename.shop', 'shop_copy');
    next();
    await stepShown('options');
  });
});

describe('wizard: Back keeps what was entered', () => {
  it('goes back and forth without losing the source, selection and options', async () => {
    setupWizard({}, readyDraft((d) => ({ ...d, step: 'options', options: { ...d.options, name: 'my-job', parallelism: 8 } })));
    await stepShown('options');
    back();
    await stepShown('mapping');
    back();
    await stepShown('sink');
    expect(field('sink.profile').value).toBe('dst');
    back();
    await stepShown('tables');
    expect((await screen.findByTestId('table-check-shop.orders') as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByTestId('wizard-step-options').querySelector('button')!);
    await stepShown('options');
    expect(field('options.name').value).toBe('my-job');
    expect(field('options.parallelism').value).toBe('8');
  });
});
