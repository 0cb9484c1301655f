// The job file: a contract. Later work may add fields, never break these.
import { z } from 'zod';
import { CutoverError } from './errors.js';

const mysqlUrl = z
  .string()
  .regex(/^(mysql|mariadb):\/\//, { message: 'must be a URL like mysql://user:password@host:3306' });

const tablePattern = z.string().min(1).refine(isValidPattern, {
  message: 'must be "db.*", "db.table" or a /regular expression/ matching "db.table"',
});

export const SnapshotOptions = z
  .object({
    parallelism: z.number().int().min(1).max(64).default(4),
    chunkRows: z.number().int().min(100).max(10_000_000).default(20_000),
    onExisting: z.enum(['fail', 'truncate', 'append']).default('fail'),
    throttle: z
      .object({
        maxThreadsRunning: z.number().int().min(0).default(40),
        maxRowsPerSecond: z.number().int().min(0).default(0),
      })
      .strict()
      .default({ maxThreadsRunning: 40, maxRowsPerSecond: 0 }),
  })
  .strict();

export const MysqlSinkConfig = z
  .object({
    type: z.literal('mysql'),
    url: mysqlUrl,
    /** Bytes per INSERT statement; by default a quarter of the sink's max_allowed_packet, at most 4 MiB. */
    batchBytes: z.number().int().min(4096).optional(),
  })
  .strict();

export const JobConfig = z
  .object({
    name: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[\w.-]+$/, { message: 'may contain letters, digits, "_", "-" and "." only' }),
    source: z.object({ url: mysqlUrl }).strict(),
    sink: z.discriminatedUnion('type', [MysqlSinkConfig]),
    tables: z
      .object({
        include: z.array(tablePattern).min(1),
        exclude: z.array(tablePattern).default([]),
      })
      .strict(),
    rename: z.record(z.string().min(1), z.string().min(1)).default({}),
    columns: z.record(z.string(), z.object({ exclude: z.array(z.string().min(1)).default([]) }).strict()).default({}),
    where: z.record(z.string(), z.string().min(1)).default({}),
    mode: z.enum(['snapshot']),
    snapshot: SnapshotOptions.default({
      parallelism: 4,
      chunkRows: 20_000,
      onExisting: 'fail',
      throttle: { maxThreadsRunning: 40, maxRowsPerSecond: 0 },
    }),
  })
  .strict();

export type JobConfig = z.infer<typeof JobConfig>;
export type SnapshotOptions = z.infer<typeof SnapshotOptions>;

export function isValidPattern(p: string): boolean {
  if (p.startsWith('/')) {
    if (!p.endsWith('/') || p.length < 3) return false;
    try {
      new RegExp(p.slice(1, -1));
      return true;
    } catch {
      return false;
    }
  }
  return /^[^.]+\.[^.]+$/.test(p);
}

const FIXES: Record<string, string> = {
  mode: 'Set "mode" to "snapshot".',
  'snapshot.onExisting': 'Use "fail", "truncate" or "append".',
  'sink.type': 'Use "mysql".',
};

function jsonPath(path: PropertyKey[]): string {
  return '$' + path.map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_]\w*$/.test(String(p)) ? `.${String(p)}` : `[${JSON.stringify(String(p))}]`)).join('');
}

/** Validates a parsed job file; the error names every bad JSON path and its fix. */
export function parseJobConfig(raw: unknown, origin = 'job file'): JobConfig {
  const r = JobConfig.safeParse(raw);
  if (r.success) {
    checkRenames(r.data);
    return r.data;
  }
  const lines = r.error.issues.map((i) => {
    const key = i.path.map(String).join('.');
    const fix = FIXES[key];
    let msg = i.message;
    if (i.code === 'unrecognized_keys') msg = `unknown field(s) ${i.keys.map((k) => `"${k}"`).join(', ')}: remove them or check the spelling`;
    if (i.code === 'invalid_type' && /received undefined/.test(i.message)) msg = 'is required';
    return `  ${jsonPath(i.path)}: ${msg}${fix ? ` — ${fix}` : ''}`;
  });
  throw new CutoverError(`The ${origin} is not valid:\n${lines.join('\n')}`, 'Correct the fields above and run again.', 'CONFIG');
}

function checkRenames(cfg: JobConfig): void {
  for (const [from, to] of Object.entries(cfg.rename)) {
    const fromTable = from.includes('.');
    const toTable = to.includes('.');
    if (fromTable !== toTable || from.split('.').length > 2 || to.split('.').length > 2) {
      throw new CutoverError(
        `The job file is not valid:\n  $.rename["${from}"]: a database maps to a database ("shop": "shop_v2") and a table to a table ("shop.users": "shop_v2.customers")`,
        'Correct the rename entry.',
        'CONFIG',
      );
    }
  }
}

/** Parses JSON text and validates it, with a line/column hint for syntax errors. */
export function parseJobText(text: string, origin = 'job file'): JobConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CutoverError(`The ${origin} is not valid JSON: ${(e as Error).message}`, 'Fix the JSON syntax (a linter such as `jq . FILE` shows where).', 'CONFIG');
  }
  return parseJobConfig(raw, origin);
}
