// Kafka sinks: the topic template, message format and key, topic creation settings, exactly-once and
// tombstones; and a sample message rendered by the engine from a real row of a chosen table.
import { useState } from 'react';
import type { KafkaFormat, KafkaMapping as KafkaSettings, KafkaSample } from '../../../../shared/wizard';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { KeyValue } from '../../components/KeyValue';
import { useAction } from '../../components/useAction';
import { NumberField } from './NumberField';
import type { StepProps } from './step-props';

const FORMATS: Record<KafkaFormat, string> = {
  debezium: 'Debezium (before / after envelope)',
  canal: 'Canal (flat JSON)',
  maxwell: 'Maxwell (flat JSON)',
};

export function KafkaMapping({ api, draft, update, errors }: StepProps) {
  const k = draft.mapping.kafka;
  const set = (patch: Partial<KafkaSettings>) => update((d) => ({ ...d, mapping: { ...d.mapping, kafka: { ...d.mapping.kafka, ...patch } } }));
  return (
    <section className="panel stack" aria-labelledby="kafka-title">
      <h3 id="kafka-title" className="panel-title">
        Kafka topics and messages
      </h3>
      <div className="form-grid">
        <Field name="mapping.kafka.topic" label="Topic" error={errors.get('mapping.kafka.topic')} hint="A fixed name, or a template with {db} and {table}: one topic per table.">
          {(p) => <input {...p} type="text" spellCheck={false} maxLength={249} value={k.topic} onChange={(e) => set({ topic: e.target.value })} />}
        </Field>
        <Field name="mapping.kafka.format" label="Message format">
          {(p) => (
            <select {...p} value={k.format} onChange={(e) => set({ format: e.target.value as KafkaFormat })}>
              {Object.entries(FORMATS).map(([v, label]) => (
                <option key={v} value={v}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field name="mapping.kafka.key" label="Message key" hint={k.key === 'pk' ? 'Changes to one row stay in order (same partition).' : 'All changes of a table in one partition, in order.'}>
          {(p) => (
            <select {...p} value={k.key} onChange={(e) => set({ key: e.target.value as 'pk' | 'table' })}>
              <option value="pk">Primary key</option>
              <option value="table">Table name</option>
            </select>
          )}
        </Field>
        <NumberField name="mapping.kafka.partitions" label="Partitions (new topics)" value={k.partitions} onChange={(partitions) => set({ partitions })} error={errors.get('mapping.kafka.partitions')} min={1} max={10_000} />
        <NumberField name="mapping.kafka.replicationFactor" label="Replication factor (new topics)" value={k.replicationFactor} onChange={(replicationFactor) => set({ replicationFactor })} error={errors.get('mapping.kafka.replicationFactor')} min={1} max={32} />
        <Field name="mapping.kafka.exactlyOnce" label="Exactly-once (Kafka transactions; needs a stream)" inline>
          {(p) => <input {...p} type="checkbox" checked={k.exactlyOnce} onChange={(e) => set({ exactlyOnce: e.target.checked })} />}
        </Field>
        <Field name="mapping.kafka.tombstones" label="Tombstones after deletes (for compacted topics)" inline>
          {(p) => <input {...p} type="checkbox" checked={k.tombstones} onChange={(e) => set({ tombstones: e.target.checked })} />}
        </Field>
      </div>
      <SampleMessage api={api} draft={draft} />
    </section>
  );
}

/** Pretty JSON when the text is JSON, else the text as it is. */
export function prettyJson(text: string | null): string {
  if (text === null) return 'null';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function SampleMessage({ api, draft }: Pick<StepProps, 'api' | 'draft'>) {
  const [table, setTable] = useState(draft.tables.selected[0] ?? '');
  const [sample, setSample] = useState<KafkaSample | null>(null);
  const action = useAction();
  const options = draft.tables.selected.slice(0, 1000);
  const render = async () => {
    setSample(null);
    const s = await action.run('sample', () => api.call('sampleMessage', draft, table));
    if (s) setSample(s);
  };
  return (
    <div className="stack-small">
      <div className="form-actions">
        <Field name="sample-table" label="Sample message from">
          {(p) => (
            <select {...p} value={table} onChange={(e) => setTable(e.target.value)}>
              {options.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Button onClick={() => void render()} disabled={!table} busy={action.busy === 'sample'} data-testid="btn-sample-message">
          Show a sample message
        </Button>
      </div>
      <ErrorBanner error={action.error} onDismiss={action.clearError} title="Cannot render a sample message" />
      {sample && (
        <div className="sample-message" data-testid="sample-message">
          <dl className="kv-list">
            <KeyValue label="Topic">
              <code>{sample.topic}</code>
            </KeyValue>
            <KeyValue label="Partition">{sample.partition}</KeyValue>
          </dl>
          <p className="small muted">Key</p>
          <pre className="sql" tabIndex={0} aria-label="Message key" data-testid="sample-key">
            {prettyJson(sample.key)}
          </pre>
          <p className="small muted">Value</p>
          <pre className="sql sample-value" tabIndex={0} aria-label="Message value" data-testid="sample-value">
            {prettyJson(sample.value)}
          </pre>
        </div>
      )}
    </div>
  );
}
