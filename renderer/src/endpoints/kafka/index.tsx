// Kafka in the dashboard: its connection form, its topics in the wizard, and what it keeps of a removed job.
import { KafkaMapping } from '../../views/wizard/KafkaMapping';
import type { EndpointUi } from '../types';
import { KafkaProfileFields } from './KafkaFields';
import { KafkaKept, KafkaReview } from './KafkaReview';
import { kafkaFromProfile, kafkaProfile, kafkaSecrets, validateKafka, validateSasl } from './profile';

export const kafkaEndpoint: EndpointUi = {
  Fields: KafkaProfileFields,
  fromProfile: kafkaFromProfile,
  buildProfile: kafkaProfile,
  validate: (f, tls) => [...validateKafka(f), ...tls, ...validateSasl(f)],
  secrets: kafkaSecrets,
  sshTunnel: false,
  topics: true,
  sinkNote: 'Kafka sink: topics, message format and keys are set in the next step.',
  Mapping: KafkaMapping,
  Review: KafkaReview,
  Kept: KafkaKept,
};
