// The Mapping step's PostgreSQL section: the policy for values PostgreSQL cannot hold goes into the draft,
// the preview shows per column MySQL type → PostgreSQL type with the sample rows (source → how it lands),
// marks values the sink cannot hold and those the copy would stop on, and a type override is kept in the
// draft and shown at once.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { useState } from 'react';
import type { MappingPreview } from '../../../../../shared/mapping-preview';
import type { WizardDraft } from '../../../../../shared/wizard';
import { axeViolations } from '../../../widgets/axe';
import { fakeApi } from '../../../views/__tests__/fake-api';
import { readyDraft, SINK_KINDS } from '../../../views/__tests__/fixtures';
import { PostgresMapping } from '../PostgresMapping';

afterEach(cleanup);

const preview: MappingPreview = {
  table: 'shop.orders',
  sinkTable: 'shop.orders',
  rows: 2,
  policy: 'stop',
  columns: [
    { name: 'id', sourceType: 'bigint(20) unsigned', sinkType: 'numeric(20)', rule: 'BIGINT UNSIGNED → numeric(20)', overridden: false, nullable: false, key: true, samples: [{ source: '1', sink: '1' }, { source: '2', sink: '2' }] },
    {
      name: 'placed',
      sourceType: 'datetime',
      sinkType: 'timestamp(0)',
      rule: 'DATETIME(n) → timestamp(0)',
      overridden: false,
      nullable: true,
      key: false,
      samples: [
        { source: '2024-05-01 10:00:00', sink: '2024-05-01 10:00:00' },
        { source: '0000-00-00 00:00:00', sink: null, unholdable: true, problem: 'A row of shop.orders with key (id) = (2) holds "0000-00-00 00:00:00" in column placed (datetime), which PostgreSQL cannot hold: a zero date.' },
      ],
    },
  ],
};

let latest: WizardDraft | null = null;

function Harness({ api, initial }: { api: ReturnType<typeof fakeApi>['api']; initial: WizardDraft }) {
  const [draft, setDraft] = useState(initial);
  latest = draft;
  return <PostgresMapping api={api} draft={draft} update={(fn) => setDraft((d) => fn(d))} errors={new Map()} ctx={{ profiles: [], catalog: null, jobNames: [], sinkKinds: SINK_KINDS }} />;
}

describe('PostgreSQL mapping preview', () => {
  it('shows types and sample values, marks what the copy would stop on, and keeps the policy and overrides in the draft', async () => {
    const fake = fakeApi({ mappingPreview: () => preview });
    const { container } = render(<Harness api={fake.api} initial={readyDraft()} />);
    fireEvent.change(screen.getByTestId('field-mapping.postgres.unholdable'), { target: { value: 'null' } });
    expect(latest!.mapping.postgres?.unholdable).toBe('null');
    fireEvent.change(screen.getByTestId('field-pg-preview-table'), { target: { value: 'shop.orders' } });
    fireEvent.click(screen.getByTestId('btn-mapping-preview'));
    const table = await screen.findByTestId('mapping-preview');
    const [draftSent, tableAsked] = fake.callsOf('mappingPreview')[0]!;
    expect((draftSent as WizardDraft).mapping.postgres?.unholdable).toBe('null');
    expect(tableAsked).toBe('shop.orders');
    expect(table.textContent).toContain('2 row(s) read from the source');
    const id = screen.getByTestId('pg-column-id');
    expect(id.textContent).toContain('bigint(20) unsigned');
    expect(within(id).getByTestId('pg-sink-type').textContent).toBe('numeric(20)');
    expect(id.dataset.unholdable).toBeUndefined();
    const placed = screen.getByTestId('pg-column-placed');
    expect(placed.dataset.unholdable).toBe('true');
    expect(placed.textContent).toContain('1 value(s) stop the copy');
    expect(placed.textContent).toContain('0000-00-00 00:00:00');
    expect(placed.textContent).toContain('which PostgreSQL cannot hold: a zero date');
    expect(screen.getByTestId('mapping-preview-stops').textContent).toContain('1 column(s)');
    fireEvent.change(screen.getByTestId('field-mapping.postgres.types.shop.orders.placed'), { target: { value: 'text' } });
    expect(latest!.mapping.postgres?.types).toEqual({ 'shop.orders.placed': 'text' });
    expect(within(placed).getByTestId('pg-sink-type').textContent).toBe('text');
    fireEvent.change(screen.getByTestId('field-mapping.postgres.types.shop.orders.placed'), { target: { value: '' } });
    expect(latest!.mapping.postgres?.types).toEqual({});
    expect(await axeViolations(container)).toEqual([]);
  });

  it('a failed read is shown with its fix, and nothing else', async () => {
    const fake = fakeApi({
      mappingPreview: () => {
        throw Object.assign(new Error('The source has no table shop.orders.'), { code: 'NOT_FOUND', fix: 'Choose one of the selected tables.' });
      },
    });
    render(<Harness api={fake.api} initial={readyDraft()} />);
    fireEvent.click(screen.getByTestId('btn-mapping-preview'));
    expect((await screen.findByRole('alert')).textContent).toContain('The source has no table shop.orders.');
    expect(screen.queryByTestId('mapping-preview')).toBeNull();
  });
});
