// What the app shows of a Kafka cluster before a consumer job reads it: its topics (partitions, messages
// held) and one message of a topic, with the format Cutover detects in it (the Kafka source's `format`).

/** A topic of the cluster. */
export interface KafkaTopicInfo {
  name: string;
  partitions: number;
  /** Messages the partitions hold now (high watermark − low watermark, summed; transaction markers included). */
  messages: number;
  /** Internal topics (names starting with "__", e.g. __consumer_offsets) are listed last and flagged. */
  internal: boolean;
}

export type KafkaMessageFormat = 'debezium' | 'canal' | 'maxwell';

/** The latest message of a topic (of its fullest partition), as Cutover would read it. */
export interface KafkaTopicSample {
  topic: string;
  partition: number;
  offset: string;
  /** The key as text (UTF-8), null when the message has none. */
  key: string | null;
  /** The value as text, cut at 16,384 characters; null for a tombstone. */
  value: string | null;
  /** The value's whole size in bytes. */
  bytes: number;
  /** The message's timestamp (ms). */
  timestamp: number | null;
  /** The format the message has (what `"format": "auto"` would decide); null when it is none of the three. */
  format: KafkaMessageFormat | null;
  /** Debezium only: whether the message carries the JSON schema envelope (schemas.enable=true); null otherwise. */
  envelope: boolean | null;
  /** "db.table" the message is about, when the message names it. */
  table: string | null;
  /** What kind of message it is, for people: "a row change (u)", "a DDL statement", "a tombstone"… */
  kind: string;
}
