// The wizard's settings of a PostgreSQL sink: what to do with values PostgreSQL cannot hold (the job file's
// "sink.unholdable") and per-column type overrides ("sink.types", "db.table.column" → a PostgreSQL type),
// their validation, and the job file's sink options they become. The mapping preview (shared/mapping-preview.ts)
// shows the types and sample values these settings give.

export const UNHOLDABLE_POLICIES = ['stop', 'null', '-infinity', 'text'] as const;
export type UnholdableChoice = (typeof UNHOLDABLE_POLICIES)[number];

export interface PostgresMapping {
  unholdable: UnholdableChoice;
  /** "db.table.column" (source names) → the PostgreSQL type to create instead of the rule's. */
  types: Record<string, string>;
}

export const UNHOLDABLE_TEXT: Record<UnholdableChoice, string> = {
  stop: 'Stop the copy, naming the table, column, key and value',
  null: 'Write NULL (nullable columns only)',
  '-infinity': 'Write -infinity (dates and timestamps only)',
  text: "Keep MySQL's text (date and timestamp columns become text)",
};

export function defaultPostgresMapping(): PostgresMapping {
  return { unholdable: 'stop', types: {} };
}

/** A type override as the job file takes it: a type name with optional arguments and array brackets, nothing else. */
const PG_TYPE = /^[A-Za-z_][\w ]*(\(\s*\d+(\s*,\s*\d+)?\s*\))?( with(out)? time zone)?(\[\])?$/i;

/** The problems of a type override, or null. */
export function pgTypeProblem(type: string): string | null {
  const t = type.trim();
  if (!t) return 'is empty: remove the override to use the rule';
  if (t.length > 200) return 'is longer than 200 characters';
  if (!PG_TYPE.test(t)) return 'is not a PostgreSQL type name such as text, numeric(20,2), varchar(255), timestamptz or text[]';
  return null;
}

/** The overrides of the selected tables' columns, trimmed (the job file's "sink.types"). */
export function selectedTypeOverrides(m: PostgresMapping | undefined, selected: readonly string[]): Record<string, string> {
  const tables = new Set(selected);
  const out: Record<string, string> = {};
  for (const [col, type] of Object.entries(m?.types ?? {})) {
    const table = col.slice(0, col.lastIndexOf('.'));
    if (tables.has(table) && type.trim()) out[col] = type.trim();
  }
  return out;
}

/** The job file's PostgreSQL sink options for these settings. */
export function postgresSinkOptions(m: PostgresMapping | undefined, selected: readonly string[]): Record<string, unknown> {
  const types = selectedTypeOverrides(m, selected);
  return { unholdable: m?.unholdable ?? 'stop', ...(Object.keys(types).length ? { types } : {}) };
}

/** The Mapping step's problems of these settings: each selected table's overrides name a column it has and a type. */
export function postgresMappingProblems(
  m: PostgresMapping | undefined,
  selected: readonly string[],
  table: (name: string) => { columns: { name: string }[] } | undefined,
): { field: string; message: string }[] {
  const errors: { field: string; message: string }[] = [];
  for (const [col, type] of Object.entries(m?.types ?? {})) {
    const name = col.slice(0, col.lastIndexOf('.'));
    if (!selected.includes(name)) continue;
    const column = col.slice(name.length + 1);
    const problem = pgTypeProblem(type);
    const t = table(name);
    if (problem) errors.push({ field: `mapping.postgres.types.${col}`, message: `The type of ${col} ${problem}.` });
    else if (t && !t.columns.some((c) => c.name === column)) errors.push({ field: `mapping.postgres.types.${col}`, message: `${name} has no column ${column}: remove its type override.` });
  }
  return errors;
}
