// The Kafka client moved to engine/kafka/client.ts (the Kafka source uses it too); kept here for the sink's modules.
export * from '../../kafka/client.js';
