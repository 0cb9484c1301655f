// The wizard's Review step and the removal dialog for a PostgreSQL sink.
import type { WizardDraft } from '../../../../shared/wizard';
import { selectedTypeOverrides, UNHOLDABLE_TEXT } from '../../../../shared/wizard-postgres';
import { KeyValue } from '../../components/KeyValue';

export function PostgresReview({ draft }: { draft: WizardDraft }) {
  const m = draft.mapping.postgres;
  const overrides = Object.entries(selectedTypeOverrides(m, draft.tables.selected));
  return (
    <>
      <KeyValue label="Values PostgreSQL cannot hold">{UNHOLDABLE_TEXT[m?.unholdable ?? 'stop']}</KeyValue>
      <KeyValue label="Type overrides">
        {overrides.length ? (
          overrides.map(([col, type], i) => (
            <span key={col}>
              {i > 0 && ', '}
              <code>{col}</code> → <code>{type}</code>
            </span>
          ))
        ) : (
          'none (the type rules)'
        )}
      </KeyValue>
    </>
  );
}
