// What a stream does with DDL, per table or pattern (the job file's "ddl" section), as Vitess's
// --on-ddl and Flink CDC's schema.change.behavior let one choose:
//   apply        the statement, mapped to the sink's names, is run on the sink; one that cannot be mapped
//                or that the sink refuses pauses the job (what a job without a "ddl" section does)
//   skip         the statement is not run on the sink; the stream goes on
//   pause-job    the whole job pauses at the statement (resume with --skip-ddl after handling it)
//   pause-table  only the table pauses: its changes are held in the state file, bounded, while the other
//                tables stream on; the operator applies the DDL by hand and resumes the table (or skips it),
//                and the held changes are applied in source order before its new ones
import { z } from 'zod';
import { isValidPattern } from './table-selection.js';

export const DDL_ACTIONS = ['apply', 'skip', 'pause-job', 'pause-table'] as const;
export const DdlAction = z.enum(DDL_ACTIONS);
export type DdlAction = z.infer<typeof DdlAction>;

/** Held changes (all paused tables of a job together) before the job pauses instead. */
export const DEFAULT_MAX_HELD_CHANGES = 1_000_000;

const policyTables = z.record(z.string().min(1), DdlAction).superRefine((tables, ctx) => {
  for (const key of Object.keys(tables))
    if (!isValidPattern(key))
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: 'must be "db.table", a pattern with * and ? such as "shop.audit_*" or "*.log", or a /regular expression/ matching "db.table"',
        params: { fix: 'Name the table as "db.table" (for example "shop.orders").' },
      });
});

export const DdlPolicy = z
  .object({
    /** For tables that no entry of "tables" names. */
    default: DdlAction.default('apply'),
    /** "db.table", glob ("shop.audit_*") or /regex/ → action; an exact name wins, then the first pattern that matches. */
    tables: policyTables.default({}),
    /** Bound on held changes of paused tables; reaching it pauses the job. */
    maxHeldChanges: z.number().int().min(1).max(100_000_000).default(DEFAULT_MAX_HELD_CHANGES),
  })
  .strict();
export type DdlPolicy = z.infer<typeof DdlPolicy>;

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[\\^$+.()|{}[\]]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

function matches(pattern: string, name: string): boolean {
  if (pattern.startsWith('/')) return new RegExp(pattern.slice(1, -1)).test(name);
  return globToRegExp(pattern).test(name);
}

/** The action for one source table ("db.table"). Pure. */
export function ddlActionFor(policy: Pick<DdlPolicy, 'default' | 'tables'> | undefined, name: string): DdlAction {
  if (!policy) return 'apply';
  const exact = policy.tables[name];
  if (exact) return exact;
  for (const [pattern, action] of Object.entries(policy.tables)) if (pattern !== name && matches(pattern, name)) return action;
  return policy.default;
}

const CAUTION: Record<DdlAction, number> = { skip: 0, apply: 1, 'pause-table': 2, 'pause-job': 3 };

/**
 * The action for a statement touching several tables (RENAME TABLE a TO b, c TO d): the most cautious of
 * theirs (pause-job, then pause-table, then apply, then skip). No table: the default. Pure.
 */
export function ddlActionForStatement(policy: Pick<DdlPolicy, 'default' | 'tables'> | undefined, names: string[]): DdlAction {
  if (!names.length) return policy?.default ?? 'apply';
  return names.map((n) => ddlActionFor(policy, n)).reduce((a, b) => (CAUTION[b] > CAUTION[a] ? b : a));
}
