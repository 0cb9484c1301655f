// The wizard's Review step: a Kafka sink's topics and messages.
import type { WizardDraft } from '../../../../shared/wizard';
import { KeyValue } from '../../components/KeyValue';

export function KafkaReview({ draft }: { draft: WizardDraft }) {
  const k = draft.mapping.kafka;
  return (
    <KeyValue label="Kafka">
      topic <code>{k.topic}</code>, {k.format} messages keyed by {k.key === 'pk' ? 'primary key' : 'table'}, {k.partitions} partitions ×{' '}
      {k.replicationFactor} replicas{k.exactlyOnce ? ', exactly-once' : ''}
      {k.tombstones ? ', tombstones' : ''}
    </KeyValue>
  );
}

/** What a Kafka sink keeps of a removed job. */
export function KafkaKept({ job }: { job: string }) {
  return (
    <>
      Kafka keeps the topics and their messages. An exactly-once job&apos;s position stays in the consumer group <code>cutover-{job}</code>; a new job of the same
      name does not take it over.
    </>
  );
}
