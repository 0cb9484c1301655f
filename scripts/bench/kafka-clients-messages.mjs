// The messages of `npm run bench -- kafka-clients` (scripts/bench/kafka-clients.mjs): sysbench-like rows
// rendered once by Cutover's own Debezium format and partitioner (dist/), written as messages.bin (batches
// of rows, each split into Cutover's produce requests, read by scripts/bench/kafka-client-producer.mjs) and
// as one `key<TAB>value` file per partition for kcat (plus warm-up files of the first rows of each).
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { encodeBatch } from './kafka-client-producer.mjs';
import { ROOT } from './lib.mjs';

const JOB = 'bench-kclients';
const WARMUP_PER_PARTITION = 20_000;
const BATCH_OVERHEAD = 128;

/** A sysbench row as `sysbench prepare` makes it: id, k (random 1..N), c (11 × 11 digits), pad (5 × 11 digits). */
function sysbenchRow(id, rows, rand) {
  const digits = (groups) => {
    let s = String(1e11 + Math.floor(rand() * 1e11)).slice(1);
    for (let g = 1; g < groups; g++) s += '-' + String(1e11 + Math.floor(rand() * 1e11)).slice(1);
    return s;
  };
  return [String(id), String(1 + Math.floor(rand() * rows)), digits(11), digits(5)];
}

/** Renders the rows with Cutover's formats (dist/) into messages.bin (batches split into requests) and kcat's files. */
export async function render({ work, rows, batch, budget, partitions }) {
  const dist = (p) => import(pathToFileURL(join(ROOT, 'dist', p)).href);
  // The demo's seeded PRNG (mulberry32), so every run renders the same rows.
  const [formats, { partitionFor }, { copySourceInfo }, { splitRequests }, { prng }] = await Promise.all([
    dist('engine/sink/kafka/formats/index.js'),
    dist('engine/sink/kafka/partition.js'),
    dist('engine/sink/kafka/kafka-sink.js'),
    dist('engine/sink/kafka/record-sender.js'),
    dist('engine/demo/prng.js'),
  ]);
  const col = (name, dataType, columnType, charset) => ({ name, dataType, columnType, charset, nullable: false });
  const table = {
    db: 'sbtest',
    table: 'sbtest1',
    columns: [col('id', 'int', 'int(11)', null), col('k', 'int', 'int(11)', null), col('c', 'char', 'char(120)', 'utf8mb4'), col('pad', 'char', 'char(60)', 'utf8mb4')],
    keyColumns: ['id'],
  };
  const src = copySourceInfo(JOB, { file: { kind: 'mysql-binlog', file: 'mariadb-bin.000001', pos: 328 }, gtid: null });
  const topic = { name: 'bench', maxMessageBytes: Math.floor((budget + BATCH_OVERHEAD) / 0.9) };
  const file = join(work, 'messages.bin');
  const files = Array.from({ length: partitions }, (_, p) => join(work, `p${p}.tsv`));
  const warmFiles = Array.from({ length: partitions }, (_, p) => join(work, `warm-p${p}.tsv`));
  const fd = openSync(file, 'w');
  const fds = files.map((f) => openSync(f, 'w'));
  const warmFds = warmFiles.map((f) => openSync(f, 'w'));
  const tsv = files.map(() => []);
  const warm = files.map(() => []);
  const perPartition = new Array(partitions).fill(0);
  const out = [];
  let outBytes = 0;
  const emit = (b) => {
    out.push(b);
    outBytes += b.length;
    if (outBytes >= 8 << 20) flushBin();
  };
  const flushBin = () => {
    if (out.length) writeSync(fd, Buffer.concat(out));
    out.length = 0;
    outBytes = 0;
  };
  const rand = prng(17);
  const t0 = performance.now();
  let kvBytes = 0;
  let batches = 0;
  let requests = 0;
  let shareMax = 0;
  for (let start = 1; start <= rows; start += batch) {
    const records = [];
    const share = new Array(partitions).fill(0);
    for (let id = start; id < Math.min(start + batch, rows + 1); id++) {
      const now = Date.now();
      const e = { op: 'r', table, before: null, after: sysbenchRow(id, rows, rand), source: { ...src, tsMs: now }, tsMs: now };
      const [m] = formats.renderMessages('debezium', e, { keyMode: 'pk', tombstonesOnDelete: false });
      const key = Buffer.from(m.key, 'utf8');
      const value = Buffer.from(m.value, 'utf8');
      const partition = partitionFor(m.partitionKey, partitions);
      const size = key.length + value.length + 24; // KafkaBatch.add's estimate
      records.push({ topic, key, value, partition, size, origin: () => `row ${id}` });
      share[partition] += size;
      kvBytes += key.length + value.length;
      const line = `${m.key}\t${m.value}\n`;
      if (perPartition[partition] < WARMUP_PER_PARTITION) warm[partition].push(line);
      tsv[partition].push(line);
      perPartition[partition]++;
    }
    shareMax = Math.max(shareMax, ...share);
    const reqs = splitRequests(records);
    for (const b of encodeBatch(reqs)) emit(b);
    batches++;
    requests += reqs.length;
    for (let p = 0; p < partitions; p++) {
      if (tsv[p].length) writeSync(fds[p], tsv[p].join(''));
      if (warm[p].length) writeSync(warmFds[p], warm[p].join(''));
      tsv[p] = [];
      warm[p] = [];
    }
  }
  flushBin();
  for (const f of [fd, ...fds, ...warmFds]) closeSync(f);
  return { file, files, warmFiles, perPartition, batches, requests, avgMessageBytes: kvBytes / rows, partitionShareBytes: shareMax, seconds: (performance.now() - t0) / 1000 };
}
