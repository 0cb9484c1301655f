// One message of a topic as the engine read it: where it is (topic, partition, offset), its key, the
// format Cutover detects in it (and, for Debezium, whether it carries the schema envelope), the table it
// names and its value, indented for reading with every character of its numbers kept.
import type { KafkaTopicSample } from '../../../../shared/api';
import { prettyJson } from './json-pretty';

const FORMAT_TITLES: Record<string, string> = { debezium: 'Debezium', canal: 'Canal (flatMessage)', maxwell: 'Maxwell' };

/** The detected format in words: "Debezium, with the JSON schema envelope". */
export function formatText(s: Pick<KafkaTopicSample, 'format' | 'envelope'>): string {
  if (!s.format) return 'not Debezium, Canal or Maxwell JSON';
  const title = FORMAT_TITLES[s.format] ?? s.format;
  if (s.envelope === null) return title;
  return `${title}, ${s.envelope ? 'with the JSON schema envelope (schemas.enable=true)' : 'without the schema envelope (schemas.enable=false)'}`;
}

export function MessageSample({ sample }: { sample: KafkaTopicSample }) {
  const cut = sample.value !== null && sample.bytes > new TextEncoder().encode(sample.value).length;
  return (
    <div className="message-sample" data-testid="topic-sample" data-format={sample.format ?? 'none'}>
      <dl className="kv">
        <dt>Message</dt>
        <dd>
          <code>
            {sample.topic} [{sample.partition}] @ {sample.offset}
          </code>
          {sample.timestamp !== null && <span className="muted small"> · {new Date(sample.timestamp).toISOString()}</span>}
        </dd>
        <dt>Format detected</dt>
        <dd data-testid="sample-format">
          <strong>{formatText(sample)}</strong>
        </dd>
        <dt>What it is</dt>
        <dd data-testid="sample-kind">
          {sample.kind}
          {sample.table && (
            <>
              {' '}
              of <code data-testid="sample-table">{sample.table}</code>
            </>
          )}
        </dd>
        <dt>Key</dt>
        <dd>{sample.key === null ? <span className="muted">none</span> : <code data-testid="sample-key">{sample.key}</code>}</dd>
      </dl>
      {sample.value === null ? (
        <p className="muted">No value (a tombstone).</p>
      ) : (
        <>
          <pre className="message-value" data-testid="sample-value" tabIndex={0} aria-label={`The value of ${sample.topic} [${sample.partition}] @ ${sample.offset}`}>
            {prettyJson(sample.value)}
          </pre>
          {cut && <p className="small muted">Shown up to 16,384 characters of {sample.bytes.toLocaleString('en-US')} bytes.</p>}
        </>
      )}
    </div>
  );
}
