// The kafkajs patch (patches/kafkajs+2.2.4.patch, see DEPENDENCIES.md): the slice-by-16 CRC32C against
// published check values and a bitwise reference, and the in-place record batch encoding against the
// Kafka record batch layout (CRC over attributes…records, Length, varint records), and each record written
// in place (headers included) byte for byte as kafkajs's own Record encodes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { partitionFor, murmur2 } from '../../engine/sink/kafka/partition.js';

const require = createRequire(import.meta.url);
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C') as (b: Buffer | Uint8Array | number[]) => number;

/** Bit-at-a-time CRC32-C (Castagnoli, reflected 0x82F63B78): the definition. */
function crcRef(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

test('CRC32C: check values (RFC 3720 B.4, "123456789") and the bitwise definition at every length and alignment', () => {
  assert.equal(crc32C(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32C(Buffer.alloc(32, 0)), 0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
  assert.equal(crc32C(Buffer.alloc(32, 0xff)), 0x62a8ab43); // 32 bytes of 0xFF
  assert.equal(crc32C(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e); // 0x00..0x1F
  assert.equal(crc32C(Buffer.alloc(0)), 0);
  const pool = randomBytes(3000);
  for (let len = 0; len < 300; len++) {
    for (let off = 0; off < 8; off++) {
      const b = pool.subarray(off, off + len);
      assert.equal(crc32C(b), crcRef(b), `length ${len}, offset ${off}`);
    }
  }
  const big = pool.subarray(3, 2999);
  assert.equal(crc32C(new Uint8Array(big)), crcRef(big)); // a Uint8Array
  assert.equal(crc32C(Array.from(big)), crcRef(big)); // a plain array (the byte loop)
});

test('produce request: record batches written in place have the Kafka v2 layout and a valid CRC', async () => {
  const Long = require('kafkajs/src/utils/long');
  const produce = require('kafkajs/src/protocol/requests/produce/v7/request');
  const messages = [
    { key: Buffer.from('{"id":1}'), value: Buffer.from('x'.repeat(300)) },
    { key: null, value: 'é€ text' },
    { key: 'k', value: null, headers: { h: 'v' } },
  ];
  const req = produce({ acks: -1, timeout: 30000, producerId: Long.fromInt(7), producerEpoch: 1, compression: 0, topicData: [{ topic: 't', partitions: [{ partition: 2, firstSequence: 5, messages }] }] });
  const buf: Buffer = (await req.encode()).buffer;
  let o = 0;
  assert.equal(buf.readInt16BE(o), -1); // transactional_id null
  o += 2;
  assert.equal(buf.readInt16BE(o), -1); // acks
  o += 2 + 4;
  assert.equal(buf.readInt32BE(o), 1); // one topic
  o += 4;
  assert.equal(buf.toString('utf8', o + 2, o + 2 + buf.readInt16BE(o)), 't');
  o += 2 + 1;
  assert.equal(buf.readInt32BE(o), 1); // one partition
  assert.equal(buf.readInt32BE(o + 4), 2); // partition 2
  const size = buf.readInt32BE(o + 8);
  const batch = buf.subarray(o + 12, o + 12 + size);
  assert.equal(o + 12 + size, buf.length, 'the batch ends the request');
  assert.equal(batch.readInt32BE(8), size - 12, 'Length: the bytes after it');
  assert.equal(batch.readInt8(16), 2, 'magic 2');
  assert.equal(batch.readUInt32BE(17), crcRef(batch.subarray(21)), 'CRC32C of attributes … records');
  assert.equal(batch.readInt32BE(23), 2, 'lastOffsetDelta');
  assert.equal(Number(batch.readBigInt64BE(43)), 7, 'producer id');
  assert.equal(batch.readInt16BE(51), 1, 'producer epoch');
  assert.equal(batch.readInt32BE(53), 5, 'first sequence');
  assert.equal(batch.readInt32BE(57), 3, 'record count');
});

test('records written in place (encodeRecordInto) are the bytes of kafkajs\'s own Record, headers included', () => {
  const Encoder = require('kafkajs/src/protocol/encoder');
  const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as ((r: object) => { buffer: Buffer }) & { encodeRecordInto: (...a: unknown[]) => { buffer: Buffer; offset: number } };
  const keys = [null, '', '{"id":1}', Buffer.from([0, 255, 7]), 'ключ-é€😀'];
  const values = [null, '', 'x'.repeat(300), Buffer.from('bytes'), '{"after":{"c":"é€ text 😀"}}', 'y'.repeat(70_000)];
  const headerSets = [
    undefined,
    {},
    { 'cutover.copy': 'row' },
    { 'cutover.copy': 'pending', '__debezium.oldkey': '{"id":2}' },
    { bin: Buffer.from([1, 2, 3]), 'é': 'ü€', empty: '' },
    { many: ['a', 'b'] }, // an array: the general path
    { big: 'h'.repeat(200) },
  ];
  let n = 0;
  for (const key of keys) {
    for (const value of values) {
      for (const headers of headerSets) {
        for (const [offsetDelta, timestampDelta] of [[0, 0], [5, 3], [200, -2], [70_000, 100_000]] as const) {
          const expected = Record({ offsetDelta, timestampDelta, key, value, headers }).buffer;
          const enc = new Encoder(1);
          enc.writeInt8(0x55); // records follow other bytes in a batch
          Record.encodeRecordInto(enc, offsetDelta, timestampDelta, key, value, headers);
          const got = enc.buffer.subarray(1);
          assert.ok(got.equals(expected), `key ${String(key)?.slice(0, 20)}, value ${String(value)?.slice(0, 20)}, headers ${JSON.stringify(headers)}, deltas ${offsetDelta}/${timestampDelta}`);
          n++;
        }
      }
    }
  }
  assert.equal(n, 5 * 6 * 7 * 4);
});

test('partitionFor: the ASCII fast path hashes the same bytes as murmur2 of the UTF-8', () => {
  for (let i = 0; i < 3000; i++) {
    const s = Array.from({ length: i % 41 }, (_, j) => String.fromCharCode(i % 7 === 0 && j === 3 ? 0xe9 + j : (i * 31 + j * 7) % 128)).join('');
    for (const n of [1, 6, 100]) assert.equal(partitionFor(s, n), (murmur2(Buffer.from(s, 'utf8')) & 0x7fffffff) % n, JSON.stringify(s));
  }
});
