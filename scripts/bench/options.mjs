// The options several benchmarks share (the servers' port base, --keep, --fresh, --rows, --parallelism,
// --chunk-rows): one table for parseArgs, one help text, one reading of the values, so each benchmark
// names the ones it takes and says only what differs (its default rows, what its ports are).
import { intOption } from './lib.mjs';

/**
 * The shared option entries for parseArgs, those named in `names` only (`rows` defaults to `defaultRows`).
 * @param {Array<'rows'|'parallelism'|'chunk-rows'|'port-base'|'keep'|'fresh'>} names
 */
export function sharedOptions(names, { defaultRows = 1_000_000 } = {}) {
  const all = {
    rows: { type: 'string', default: String(defaultRows) },
    parallelism: { type: 'string' },
    'chunk-rows': { type: 'string' },
    'port-base': { type: 'string' },
    keep: { type: 'boolean', default: false },
    fresh: { type: 'boolean', default: false },
  };
  return Object.fromEntries(names.map((n) => [n, all[n]]));
}

/**
 * The help lines of the shared options in `names`, aligned as the benchmarks' help: `ports` says what
 * the port base moves (e.g. "N+1 source, N+32 broker"), `defaults` the benchmark's defaults.
 */
export function sharedHelp(names, { ports = 'N+1 source', defaultPortBase, defaultRows = 1_000_000, what = 'rows', parallelism = "cutover's snapshot.parallelism (default: the job default)", chunkRows = "cutover's snapshot.chunkRows (default: the job default)", keep = 'leave the servers running (and the temp dir with logs) afterwards', fresh = 'drop and re-prepare the source data even if it is already there' } = {}) {
  const lines = {
    rows: `  --rows N             total ${what} (default ${defaultRows})`,
    parallelism: `  --parallelism N      ${parallelism}`,
    'chunk-rows': `  --chunk-rows N       ${chunkRows}`,
    'port-base': `  --port-base N        ports: ${ports} (default ${defaultPortBase})`,
    keep: `  --keep               ${keep}`,
    fresh: `  --fresh              ${fresh}`,
  };
  return names.map((n) => lines[n]).join('\n');
}

/**
 * The values of the shared options: rows (an integer ≥ `rowsMultipleOf`; `rowsMultipleOf` > 1 splits them
 * evenly, `perTable` and the `total` used), parallelism and chunkRows (undefined when not given), portBase
 * (≥ 1024, else `portBaseDefault`), keep and fresh.
 */
export function readSharedOptions(opts, { portBaseDefault, tables = 1, minChunkRows = 1 } = {}) {
  const out = { keep: Boolean(opts.keep), fresh: Boolean(opts.fresh) };
  if ('rows' in opts) {
    const requested = intOption(opts, 'rows', tables);
    out.perTable = Math.floor(requested / tables);
    out.totalRows = out.perTable * tables;
    if (out.totalRows !== requested) console.log(`note: --rows ${requested} is not a multiple of ${tables}; using ${out.totalRows}`);
  }
  out.parallelism = intOption(opts, 'parallelism', 1);
  out.chunkRows = intOption(opts, 'chunk-rows', minChunkRows);
  out.portBase = intOption(opts, 'port-base', 1024) ?? portBaseDefault;
  return out;
}

/** The port base a benchmark uses when none is given: CUTOVER_BENCH_PORT_BASE (+ `envOffset`) or `fallback`. */
export function defaultPortBase(fallback, envOffset = 0) {
  return process.env.CUTOVER_BENCH_PORT_BASE ? Number(process.env.CUTOVER_BENCH_PORT_BASE) + envOffset : fallback;
}
