// Reads runs of records in Kafka's record format (engine/sink/kafka/record-runs.ts) back into their
// records, for tests that look at what a Kafka sink sends.
import { readVarint } from '../../engine/sink/kafka/record-runs.js';
import type { OutRecord } from '../../engine/sink/kafka/record-sender.js';

export interface DecodedRecord {
  topic: string;
  partition: number;
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** The records of one run, in order. Throws when the bytes are not exactly `recordCount` well-formed records. */
export function decodeRun(r: OutRecord): DecodedRecord[] {
  const buf = r.encodedRecords!;
  const out: DecodedRecord[] = [];
  let o = 0;
  const bytes = (at: number): { value: Buffer | null; next: number } => {
    const len = readVarint(buf, at);
    if (len.value < 0) return { value: null, next: len.next };
    return { value: buf.subarray(len.next, len.next + len.value), next: len.next + len.value };
  };
  while (o < buf.length) {
    const length = readVarint(buf, o);
    const end = length.next + length.value;
    let at = length.next;
    if (buf[at++] !== 0) throw new Error('record attributes are not 0');
    const ts = readVarint(buf, at);
    const od = readVarint(buf, ts.next);
    const key = bytes(od.next);
    const value = bytes(key.next);
    const count = readVarint(buf, value.next);
    at = count.next;
    const headers: Record<string, string> = {};
    for (let i = 0; i < count.value; i++) {
      const hk = bytes(at);
      const hv = bytes(hk.next);
      headers[hk.value!.toString('utf8')] = hv.value!.toString('utf8');
      at = hv.next;
    }
    if (at !== end) throw new Error(`record at ${o}: its length says ${end - length.next} bytes, its fields take ${at - length.next}`);
    out.push({ topic: r.topic.name, partition: r.partition, offsetDelta: od.value, timestampDelta: ts.value, key: key.value, value: value.value, headers });
    o = end;
  }
  if (out.length !== r.recordCount) throw new Error(`run of ${r.recordCount} record(s) holds ${out.length}`);
  out.forEach((d, i) => {
    if (d.offsetDelta !== i) throw new Error(`record ${i} has offset delta ${d.offsetDelta}`);
  });
  return out;
}

/** Every record sent, runs read back into theirs: topic, partition, key, value and headers. */
export function sentRecords(records: OutRecord[]): { topic: string; partition: number; key: string | Buffer | null; value: string | Buffer | null; headers?: Record<string, string> }[] {
  return records.flatMap((r) => (r.encodedRecords ? decodeRun(r) : [r]).map((d) => ({ topic: r.topic.name, partition: r.partition, key: d.key, value: d.value, headers: d.headers })));
}
