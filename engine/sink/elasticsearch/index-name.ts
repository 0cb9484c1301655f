// A table's index name from the "index" template ({db} and {table}: the sink names, after "rename"),
// checked against the rules both Elasticsearch and OpenSearch enforce. A name that breaks them is refused
// with the reason, never changed silently (lower-casing could make two tables one index).
import { CutoverError } from '../../../shared/errors.js';
import type { TableRef } from '../../../shared/table-selection.js';

/** Why `name` cannot be an index name, or null when it can. */
export function indexNameProblem(name: string): string | null {
  if (!name) return 'it is empty';
  if (name !== name.toLowerCase()) return 'it has upper-case letters';
  if (/[\\/*?"<>| ,#:]/.test(name)) return 'it has one of the characters \\ / * ? " < > | , # : or a space';
  if (/^[-_+]/.test(name)) return 'it starts with -, _ or +';
  if (name === '.' || name === '..') return 'it is . or ..';
  if (Buffer.byteLength(name) > 255) return 'it is longer than 255 bytes';
  return null;
}

export function indexNameOf(template: string, ref: TableRef): string {
  const name = template.replace(/\{db\}/g, ref.db).replace(/\{table\}/g, ref.table);
  const problem = indexNameProblem(name);
  if (problem)
    throw new CutoverError(
      `The index name "${name}" (for ${ref.db}.${ref.table}, from the template "${template}") is not valid: ${problem}.`,
      `Rename the table on its way ("rename": {"${ref.db}.${ref.table}": "${ref.db}.${ref.table.toLowerCase().replace(/[\\/*?"<>| ,#:]/g, '_')}"}), give "sink.index" a fixed lower-case name, or leave the table out.`,
      'CONFIG',
    );
  return name;
}
