import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { WizardDraft } from '../../../../../shared/wizard';
import { axeViolations } from '../../../widgets/axe';
import { readyDraft } from '../../__tests__/fixtures';
import { WizardView } from '../WizardView';
import { change, field, next, ready, setupWizard, stepShown } from './wizard-setup';

afterEach(cleanup);
beforeEach(() => {
  window.location.hash = '#/new';
});

describe('wizard: the draft survives a reload', () => {
  it('saves after each change and on a step change, and continues from it on the next visit', async () => {
    const { fake, store } = setupWizard();
    await ready();
    expect(fake.callsOf('getDraft')).toHaveLength(1);
    change('source.profile', 'src');
    await waitFor(() => expect(store.draft?.source.profile).toBe('src'));
    next();
    await stepShown('preflight');
    await waitFor(() => expect(store.draft?.step).toBe('preflight'));
    expect(screen.getByTestId('draft-status').textContent).toMatch(/Draft saved|Saving/);
    cleanup();

    // "Restart": a new wizard on the same engine.
    render(<WizardView api={fake.api} saveDelayMs={5} />);
    await stepShown('preflight');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Continue migration draft');
    expect(screen.getByTestId('wizard-step-source').dataset.state).toBe('done');
    expect(screen.getByTestId('wizard-step-preflight').dataset.state).toBe('current');
  });

  it('does not save a half-typed number, and saves it once it is whole again', async () => {
    const { store } = setupWizard({}, readyDraft((d) => ({ ...d, step: 'options' })));
    await stepShown('options');
    change('options.parallelism', '');
    next();
    expect((await screen.findByTestId('field-error-options.parallelism')).textContent).toContain('1 to 64');
    await new Promise((r) => setTimeout(r, 30));
    expect(store.draft?.options.parallelism).toBe(4);
    change('options.parallelism', '6');
    await waitFor(() => expect(store.draft?.options.parallelism).toBe(6));
  });

  it('discards the draft after confirming and starts again', async () => {
    const { fake } = setupWizard({}, readyDraft((d) => ({ ...d, step: 'sink' })));
    await stepShown('sink');
    fireEvent.click(screen.getByTestId('btn-discard-draft'));
    fireEvent.click(screen.getByTestId('confirm-cancel'));
    expect(fake.callsOf('discardDraft')).toEqual([]);
    fireEvent.click(screen.getByTestId('btn-discard-draft'));
    fireEvent.click(screen.getByTestId('confirm-ok'));
    await stepShown('source');
    expect(fake.callsOf('discardDraft')).toEqual([[]]);
    expect(field('source.profile').value).toBe('');
  });
});

describe('wizard: Mapping', () => {
  const mapping = (over: (d: WizardDraft) => WizardDraft = (d) => d) => readyDraft((d) => over({ ...d, step: 'mapping', tables: { selected: ['shop.orders', 'shop.users'] } }));

  it('checks a row filter with the source on blur and on Next, showing its message', async () => {
    const { fake, view } = setupWizard({ checkFilter: (_p, _t, where) => ({ error: where.includes('nope') ? "Unknown column 'nope' in 'where clause'" : null }) }, mapping());
    await stepShown('mapping');
    fireEvent.click(screen.getByTestId('mapping-toggle-shop.orders'));
    change('mapping.where.shop.orders', 'nope > 1');
    fireEvent.blur(field('mapping.where.shop.orders'));
    expect((await screen.findByTestId('field-error-mapping.where.shop.orders')).textContent).toContain("Unknown column 'nope'");
    expect(fake.callsOf('checkFilter')).toEqual([['src', 'shop.orders', 'nope > 1']]);
    next();
    expect((await screen.findByTestId('wizard-errors')).textContent).toContain('The source refused the row filter of shop.orders');
    // The known answer was not asked again.
    expect(fake.callsOf('checkFilter')).toHaveLength(1);
    expect(await axeViolations(view.container)).toEqual([]);
    change('mapping.where.shop.orders', 'id > 10');
    next();
    await stepShown('options');
    expect(fake.callsOf('checkFilter').at(-1)).toEqual(['src', 'shop.orders', 'id > 10']);
  });

  it('renames, excludes columns (never the key) and refuses two tables with one name', async () => {
    const { store } = setupWizard({}, mapping());
    await stepShown('mapping');
    change('mapping.rename.shop', 'shop_v2');
    fireEvent.click(screen.getByTestId('mapping-toggle-shop.users'));
    // The columns come from an API call: on a loaded machine they are not there yet right after the click.
    expect(((await screen.findByTestId('column-shop.users-id', {}, { timeout: 10_000 })) as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByTestId('mapping-table-shop.users').textContent).toContain('key column: always copied');
    fireEvent.click(screen.getByTestId('column-shop.users-secret'));
    change('mapping.rename.shop.users', 'shop_v2.orders');
    next();
    expect((await screen.findByTestId('field-error-mapping.rename.shop.users')).textContent).toContain('would both become shop_v2.orders');
    change('mapping.rename.shop.users', 'shop_v2.people');
    next();
    await stepShown('options');
    expect(store.draft?.mapping).toMatchObject({ rename: { shop: 'shop_v2', 'shop.users': 'shop_v2.people' }, excludeColumns: { 'shop.users': ['secret'] } });
  });

  it('Kafka: topic template and a sample message rendered from a real row', async () => {
    const { fake } = setupWizard(
      { sampleMessage: (_d, table) => ({ table, topic: 'cutover.shop.orders', partition: 3, key: '{"id":1}', value: '{"after":{"id":1,"name":"x"}}' }) },
      mapping((d) => ({ ...d, sink: { profile: 'bus' } })),
    );
    await stepShown('mapping');
    expect(screen.queryByTestId('field-mapping.rename.shop')).toBeNull();
    change('mapping.kafka.topic', 'cutover.{schema}');
    next();
    expect((await screen.findByTestId('field-error-mapping.kafka.topic')).textContent).toContain('Unknown placeholder {schema}');
    change('mapping.kafka.topic', 'cutover.{db}.{table}');
    fireEvent.click(screen.getByTestId('btn-sample-message'));
    const sample = await screen.findByTestId('sample-message');
    expect(sample.textContent).toContain('cutover.shop.orders');
    expect(screen.getByTestId('sample-value').textContent).toBe(JSON.stringify({ after: { id: 1, name: 'x' } }, null, 2));
    expect((fake.callsOf('sampleMessage')[0]![0] as WizardDraft).mapping.kafka.topic).toBe('cutover.{db}.{table}');
  });
});

describe('wizard: Review and start', () => {
  it('shows the summary, the estimate, the job file both ways; Start creates the job and opens it', async () => {
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const { fake, view } = setupWizard(
      {
        estimate: () => ({ rows: 5000, bytes: 81920, sample: { table: 'shop.orders', rows: 1000, bytes: 1, ms: 200 }, rowsPerSecond: 5000, schema: { tables: 1505, seconds: 11.2 }, seconds: 75, basis: 'Timed 1,000 rows of shop.orders.' }),
        exportJob: (_d, mode) => ({
          json: mode === 'env' ? '{"source":{"url":"${SRC_URL}"}}' : '{"source":{"profile":"src"}}',
          fileName: 'src-to-dst.json',
          command: 'cutover run src-to-dst.json',
          env: mode === 'env' ? [{ name: 'SRC_URL', holds: 'the source URL with its password' }] : [],
        }),
        createJob: () => ({ name: 'src-to-dst' }),
      },
      readyDraft((d) => ({ ...d, step: 'review', mapping: { ...d.mapping, rename: { shop: 'shop_v2' }, where: { 'shop.orders': 'id > 5' } } })),
    );
    await stepShown('review');
    expect(screen.getByTestId('review-renames').textContent).toBe('database shop → shop_v2');
    expect(screen.getByTestId('review-summary').textContent).toContain('src — cutover@src.example.com:3306');
    expect(screen.getByTestId('review-filters').textContent).toContain('shop.orders: id > 5');
    expect((await screen.findByTestId('estimate-result')).textContent).toContain('About 1m 15s');
    expect(screen.getByTestId('estimate-basis').textContent).toBe('Timed 1,000 rows of shop.orders.');
    expect(screen.getByTestId('estimate-schema').textContent).toBe('Included: creating the schema of 1,505 tables first, about 11s.');
    expect((await screen.findByTestId('export-json')).textContent).toBe('{"source":{"profile":"src"}}');
    fireEvent.click(screen.getByTestId('field-export-env'));
    await waitFor(() => expect(screen.getByTestId('export-json').textContent).toContain('${SRC_URL}'));
    expect(screen.getByTestId('export-env').textContent).toContain('SRC_URL');
    fireEvent.click(screen.getByTestId('btn-copy-command'));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith('cutover run src-to-dst.json'));
    fireEvent.click(screen.getByTestId('btn-reestimate'));
    await waitFor(() => expect(fake.callsOf('estimate')).toHaveLength(2));
    expect(await axeViolations(view.container)).toEqual([]);

    fireEvent.click(screen.getByTestId('btn-start-migration'));
    await waitFor(() => expect(window.location.hash).toBe('#/jobs/src-to-dst'));
    expect((fake.callsOf('createJob')[0]![0] as WizardDraft).options.name).toBe('src-to-dst');
  });

  it('Start with a problem on an earlier step lists it; choosing it opens that step at the field', async () => {
    const { fake } = setupWizard({ estimate: () => Promise.reject(new Error('x')), exportJob: () => Promise.reject(new Error('x')) }, readyDraft((d) => ({ ...d, step: 'review', options: { ...d.options, name: 'bad name!' } })));
    await stepShown('review');
    fireEvent.click(screen.getByTestId('btn-start-migration'));
    const summary = await screen.findByTestId('wizard-errors');
    expect(fake.callsOf('createJob')).toEqual([]);
    fireEvent.click(summary.querySelector('button')!);
    await stepShown('options');
    await waitFor(() => expect(document.activeElement).toBe(field('options.name')));
  });
});
