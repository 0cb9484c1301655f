// The wizard's time estimate: the copy's own reader (the same query, the same raw values) reads the start
// of the largest selected table for at most a couple of seconds, and that measured rate is spread over
// the selected tables by their size. Before the copy, the job reads each table's definition and creates
// it on the sink, one table after another: the reading is timed on a few of the selected tables, the
// creating is counted at a figure measured on MariaDB (a job creating 1,505 tables spent 11 s on it).
// Read-only; nothing is written anywhere. The figure leaves out the sink's write speed and a busy
// source, and says so.
import type { WizardEstimate } from '../../shared/wizard.js';
import type { SourceSession } from '../source/driver.js';
import type { CatalogTable } from '../../shared/wizard.js';
import type { CopyTable } from '../core/tables.js';

const SAMPLE_ROWS = 20_000;
const SAMPLE_MS = 2_000;
/** How many table definitions are read (as the job reads them) to time the schema phase. */
const SCHEMA_SAMPLE_TABLES = 5;
/**
 * Creating one table on the sink (CREATE TABLE, the check for rows already there), in ms: a job that
 * created 1,505 tables on MariaDB 10.11 spent 11 s (7.3 ms a table, reading the definition included). A
 * busy sink takes several times longer; the basis says the figure is a lower bound.
 */
export const SINK_CREATE_MS_PER_TABLE = 6;

export interface EstimateInput {
  tables: CatalogTable[];
  excludeColumns: Record<string, string[]>;
  where: Record<string, string>;
  parallelism: number;
  /** 0: no cap. */
  maxRowsPerSecond: number;
}

/**
 * `data`: a source session over a connection opened like the copy's; the caller destroys the connection afterwards (a
 * sample cut short by the time limit leaves its result set unread).
 */
export async function estimateCopy(data: SourceSession, input: EstimateInput): Promise<WizardEstimate> {
  const rows = input.tables.reduce((n, t) => n + t.estimatedRows, 0);
  const bytes = input.tables.reduce((n, t) => n + t.dataBytes, 0);
  const schema = await estimateSchema(data, input.tables);
  const schemaText = schemaBasis(schema);
  const largest = [...input.tables].sort((a, b) => b.dataBytes - a.dataBytes || b.estimatedRows - a.estimatedRows)[0];
  if (!largest || rows === 0) {
    return {
      rows,
      bytes,
      sample: null,
      rowsPerSecond: 0,
      schema,
      seconds: input.tables.length ? schema.seconds : null,
      basis: `The selected tables look empty (the server estimates 0 rows), so there is no copy to time. ${schemaText}`,
    };
  }
  const name = `${largest.db}.${largest.table}`;
  const info = await data.readTable(largest);
  const excluded = new Set(input.excludeColumns[name] ?? []);
  const t: CopyTable = {
    stateId: 0,
    source: info,
    sink: largest,
    columns: info.columns.filter((c) => !c.generated && !excluded.has(c.name)),
    keyColumns: info.chunkKey.map((k) => info.columns.find((c) => c.name === k)!),
    where: input.where[name],
  };
  const stop = new AbortController();
  let sampled = 0;
  let sampledBytes = 0;
  const started = performance.now();
  const timer = setTimeout(() => stop.abort(), SAMPLE_MS);
  try {
    // The copy's own first chunk: its boundary query, then its rows (a keyless table: until the limit).
    const upper = t.keyColumns.length ? await data.nextBoundary(t, null, SAMPLE_ROWS) : null;
    await data.readChunk(
      t,
      null,
      upper,
      (row) => {
        sampled++;
        for (const v of row) sampledBytes += v === null ? 1 : v.length;
        if (sampled >= SAMPLE_ROWS) stop.abort();
      },
      stop.signal,
    ).catch((e: unknown) => {
      if (!stop.signal.aborted) throw e;
    });
  } finally {
    clearTimeout(timer);
  }
  const ms = Math.max(1, performance.now() - started);
  if (sampled === 0) {
    return { rows, bytes, sample: { table: name, rows: 0, bytes: 0, ms }, rowsPerSecond: 0, schema, seconds: null, basis: `${name} returned no rows to time (its row filter may match none).` };
  }
  const perReader = (sampled / ms) * 1000;
  // The measured rate in the server's own size unit (DATA_LENGTH per second), so a table of wide rows
  // takes proportionally longer than one of narrow rows.
  const bytesPerRow = largest.estimatedRows > 0 ? largest.dataBytes / largest.estimatedRows : 0;
  const workers = Math.max(1, input.parallelism);
  let seconds = bytesPerRow > 0 && bytes > 0 ? bytes / (perReader * bytesPerRow * workers) : rows / (perReader * workers);
  let rowsPerSecond = perReader * workers;
  const capped = input.maxRowsPerSecond > 0 && rowsPerSecond > input.maxRowsPerSecond;
  if (capped) {
    rowsPerSecond = input.maxRowsPerSecond;
    seconds = Math.max(seconds, rows / input.maxRowsPerSecond);
  }
  const basis =
    `Reading ${sampled.toLocaleString('en-US')} rows (${formatBytes(sampledBytes)}) of ${name} took ${(ms / 1000).toFixed(2)} s, ` +
    `${Math.round(perReader).toLocaleString('en-US')} rows/s for one reader; spread over the selected tables by size with ${workers} worker${workers === 1 ? '' : 's'}` +
    `${capped ? `, capped at ${input.maxRowsPerSecond.toLocaleString('en-US')} rows/s by the throttle` : ''}. ` +
    `${schemaText} ` +
    'The sink may write more slowly than the source reads, and a busy source pauses the copy, so take it as a lower bound.';
  const total = seconds + schema.seconds;
  return { rows, bytes, sample: { table: name, rows: sampled, bytes: sampledBytes, ms: Math.round(ms) }, rowsPerSecond: Math.round(rowsPerSecond), schema, seconds: Math.round(total * 10) / 10, basis };
}

/** The schema phase: the definitions of a few selected tables read as the job reads them (timed), plus creating each on the sink. */
async function estimateSchema(data: SourceSession, tables: CatalogTable[]): Promise<WizardEstimate['schema']> {
  if (!tables.length) return { tables: 0, seconds: 0 };
  const sample = tables.slice(0, SCHEMA_SAMPLE_TABLES);
  const started = performance.now();
  for (const t of sample) await data.readTable(t);
  const readMs = (performance.now() - started) / sample.length;
  const seconds = (tables.length * (readMs + SINK_CREATE_MS_PER_TABLE)) / 1000;
  return { tables: tables.length, seconds: Math.round(seconds * 10) / 10 };
}

function schemaBasis(s: WizardEstimate['schema']): string {
  const n = `${s.tables.toLocaleString('en-US')} table${s.tables === 1 ? '' : 's'}`;
  return `Reading and creating the schema of ${n} comes first, one table after another: about ${s.seconds < 1 ? 'under a second' : `${s.seconds.toFixed(1)} s`} (definitions read from the source as timed here, plus about ${SINK_CREATE_MS_PER_TABLE} ms per CREATE TABLE on the sink).`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
