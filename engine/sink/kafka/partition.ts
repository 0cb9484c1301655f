// Partition choice and topic names for the Kafka sink.
//
// Partitions are computed here, not by the client's partitioner: the string from the formats'
// partitionKey (db, table and the key values' bytes, or "db.table" for "key": "table") is encoded as
// UTF-8 and hashed with murmur2 exactly as the Java client's default partitioner hashes a key
// (org.apache.kafka.common.utils.Utils.murmur2, toPositive(h) % numPartitions), so any Java, librdkafka
// (murmur2_random) or kafkajs DefaultPartitioner producer that hashes the same bytes picks the same partition.
import { createHash } from 'node:crypto';

/** Kafka's murmur2 (Utils.murmur2 of the Java client): a signed 32-bit hash of the bytes. */
export function murmur2(data: Uint8Array): number {
  return murmur2Range(data, 0, data.length);
}

/** murmur2 of `data[start, end)`. */
export function murmur2Range(data: Uint8Array, start: number, end: number): number {
  const length = end - start;
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = start + i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = start + length4 * 4;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * murmur2 of an ASCII string's bytes (its UTF-8 is one byte per character), read straight from the
 * string; null when it has a character ≥ U+0080 (then the UTF-8 bytes must be hashed).
 */
function murmur2Ascii(s: string): number | null {
  const length = s.length;
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    const b0 = s.charCodeAt(i4);
    const b1 = s.charCodeAt(i4 + 1);
    const b2 = s.charCodeAt(i4 + 2);
    const b3 = s.charCodeAt(i4 + 3);
    if ((b0 | b1 | b2 | b3) > 0x7f) return null;
    let k = b0 | (b1 << 8) | (b2 << 16) | (b3 << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = length4 * 4;
  const rest = length & 3;
  for (let i = tail; i < length; i++) if (s.charCodeAt(i) > 0x7f) return null;
  if (rest === 3) h ^= s.charCodeAt(tail + 2) << 16;
  if (rest >= 2) h ^= s.charCodeAt(tail + 1) << 8;
  if (rest >= 1) {
    h ^= s.charCodeAt(tail);
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition of a partition-key string among `partitions` (Java: toPositive(murmur2(bytes)) % n). */
export function partitionFor(partitionKey: string, partitions: number): number {
  // an ASCII key (the usual: "db.table\0len:123") is hashed without encoding it into a Buffer first
  const h = murmur2Ascii(partitionKey) ?? murmur2(Buffer.from(partitionKey, 'utf8'));
  return (h & 0x7fffffff) % partitions;
}

export const MAX_TOPIC_LENGTH = 249;
const LEGAL = /^[a-zA-Z0-9._-]+$/;

/** A topic template ({db}, {table}, {job}) with its values filled in, before the name is made legal. */
export function resolveTopicTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/**
 * A legal Kafka topic name for a resolved template. A legal name is kept as it is. Otherwise every
 * character outside [a-zA-Z0-9._-] becomes "_" (each UTF-16 code unit, so "café" → "caf_") and "-" plus
 * 8 hex digits of the SHA-1 of the unmapped name (UTF-8) are appended, so two names that map alike
 * ("таблица", "заказы_") still get topics of their own; a name longer than 249 characters keeps its
 * first 240. Deterministic: a resumed or repeated job finds the same topic.
 */
export function legalTopicName(name: string): string {
  if (LEGAL.test(name) && name.length <= MAX_TOPIC_LENGTH && name !== '.' && name !== '..') return name;
  const hash = createHash('sha1').update(name, 'utf8').digest('hex').slice(0, 8);
  const mapped = name.replace(/[^a-zA-Z0-9._-]/g, '_').slice(0, MAX_TOPIC_LENGTH - 9);
  return `${mapped}-${hash}`;
}
