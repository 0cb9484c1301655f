// The messages file of `npm run bench -- kafka-clients` (scripts/bench/kafka-client-producer.mjs): what the
// renderer writes is what every client's process reads back, batch by batch and request by request, also
// when records straddle the reader's blocks; a cut file is refused instead of sending fewer messages.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/db.js';

interface Rec {
  partition: number;
  key: Buffer;
  value: Buffer;
}
interface MessagesModule {
  encodeBatch: (requests: Rec[][]) => Buffer[];
  MessageFile: new (path: string, blockSize?: number) => { nextBatch(): Rec[][] | null; close(): void };
}

const load = async (): Promise<MessagesModule> => (await import(pathToFileURL(join(ROOT, 'scripts/bench/kafka-client-producer.mjs')).href)) as MessagesModule;

function batches(): Rec[][][] {
  const rec = (p: number, i: number): Rec => ({ partition: p, key: Buffer.from(`{"id":${i}}`), value: Buffer.from(`{"v":"${'x'.repeat(i % 37)}é${i}"}`) });
  let i = 0;
  return [
    [[rec(0, i++), rec(5, i++), rec(3, i++)], [rec(5, i++)]],
    [[rec(1, i++)]],
    [Array.from({ length: 50 }, () => rec(i % 6, i++)), [rec(2, i++), { partition: 4, key: Buffer.alloc(0), value: Buffer.alloc(0) }]],
  ];
}

const plain = (bs: Rec[][][]): unknown => bs.map((b) => b.map((req) => req.map((r) => [r.partition, r.key.toString('hex'), r.value.toString('hex')])));

test('the messages file reads back batch by batch, request by request, across block boundaries', async () => {
  const m = await load();
  const dir = mkdtempSync(join(tmpdir(), 'cutover-bench-msgs-'));
  try {
    const file = join(dir, 'messages.bin');
    const want = batches();
    writeFileSync(file, Buffer.concat(want.flatMap((b) => m.encodeBatch(b))));
    for (const block of [7, 64, 1 << 20]) {
      const f = new m.MessageFile(file, block);
      const got: Rec[][][] = [];
      for (let b; (b = f.nextBatch()); ) got.push(b);
      f.close();
      assert.deepEqual(plain(got), plain(want), `block size ${block}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cut messages file is refused, not read as fewer messages', async () => {
  const m = await load();
  const dir = mkdtempSync(join(tmpdir(), 'cutover-bench-msgs-'));
  try {
    const file = join(dir, 'messages.bin');
    const whole = Buffer.concat(batches().flatMap((b) => m.encodeBatch(b)));
    writeFileSync(file, whole.subarray(0, whole.length - 3));
    const f = new m.MessageFile(file, 64);
    assert.throws(() => {
      while (f.nextBatch());
    }, /truncated/);
    f.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
