import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rowFromBytes, type RawRow } from '../../engine/core/rows.js';
import { TsvBuffer } from '../../engine/sink/mysql/load-data.js';
import { RowView } from '../../engine/source/mysql/chunk-bytes-reader.js';

/** A text-protocol row packet (4-byte header, then one length-encoded string per value, 0xFB for NULL). */
function rowPacket(values: (Buffer | null)[]): { buffer: Buffer; offset: number; end: number; isEOF: () => boolean } {
  const parts: Buffer[] = [Buffer.from([0, 0, 0, 1])];
  for (const v of values) {
    if (v === null) {
      parts.push(Buffer.from([0xfb]));
      continue;
    }
    const n = v.length;
    if (n < 0xfb) parts.push(Buffer.from([n]));
    else if (n < 0x1_0000) parts.push(Buffer.from([0xfc, n & 0xff, n >> 8]));
    else if (n < 0x100_0000) parts.push(Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]));
    else {
      const h = Buffer.alloc(9);
      h[0] = 0xfe;
      h.writeUInt32LE(n, 1);
      parts.push(h);
    }
    parts.push(v);
  }
  // Bytes around the packet, as in a socket chunk holding several packets.
  const body = Buffer.concat([Buffer.from('xx'), ...parts, Buffer.from('yy')]);
  return { buffer: body, offset: 2 + 4, end: body.length - 2, isEOF: () => false };
}

function randomBytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    b[i] = x >> 16;
  }
  return b;
}

const values: (Buffer | null)[] = [
  Buffer.from('42'),
  null,
  Buffer.alloc(0),
  Buffer.from('tab\there, newline\nthere, cr\r, backslash \\ and NUL \0 end'),
  randomBytes(250, 1),
  randomBytes(251, 2),
  randomBytes(65_535, 3),
  randomBytes(65_536, 4),
  randomBytes(70_000, 5),
  Buffer.from('caf\xc3\xa9 \xe4\xb8\xad', 'latin1'),
  randomBytes(16_777_216, 6),
];

test('a row packet read as byte ranges gives the values mysql2 would give as byte strings, at every length-prefix size', () => {
  const view = new RowView(values.length);
  assert.equal(view.read(rowPacket(values)), true);
  const row = rowFromBytes(view);
  assert.deepEqual(
    row,
    values.map((v) => (v === null ? null : v.toString('latin1'))),
  );
});

test('a row packet with fewer values than columns is refused, not read past its end', () => {
  assert.equal(new RowView(3).read(rowPacket([Buffer.from('1'), null])), false);
});

test('LOAD DATA lines rendered from bytes are byte for byte the lines rendered from byte strings', () => {
  const small = values.slice(0, 10);
  const plain = small.map((_, i) => i === 0);
  const view = new RowView(small.length);
  const fromBytes = new TsvBuffer(16, plain);
  const fromStrings = new TsvBuffer(16, plain);
  for (let r = 0; r < 3; r++) {
    assert.equal(view.read(rowPacket(small)), true);
    fromBytes.addRowBytes(view);
    fromStrings.addRow(small.map((v) => (v === null ? null : v.toString('latin1'))) as RawRow);
  }
  // Mixed: a line from byte strings between lines from bytes keeps its place.
  fromBytes.addRow(['7', 'x\ty']);
  fromStrings.addRow(['7', 'x\ty']);
  fromBytes.addRowBytes(view);
  fromStrings.addRow(rowFromBytes(view));
  assert.equal(fromBytes.rows, 5);
  assert.equal(fromBytes.byteLength, fromStrings.byteLength);
  assert.ok(fromBytes.bytes().equals(fromStrings.bytes()));
  const first = fromBytes.bytes().subarray(0, fromBytes.bytes().indexOf(0x0a));
  assert.ok(first.toString('latin1').startsWith('42\t\\N\t\ttab\\there, newline\\nthere, cr\\r, backslash \\\\ and NUL \\0 end\t'));
});
