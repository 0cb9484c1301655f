// What the binlog reader keeps per TableMap: the converters of a table's columns, and the checks that
// decide whether a TableMap repeats the last one (then the converters are reused), where ENUM/SET labels
// come from when the binlog lacks them, and whether a row image holds every column.
import { CutoverError } from '../../../shared/errors.js';
import type { ValueConverter } from './binlog-values.js';
import { enumLabels } from '../../mysql/enum-labels.js';

export interface TableState {
  db: string;
  table: string;
  name: string;
  columns: string[];
  convert: ValueConverter[];
  /** What the TableMap said (names, types, ENUM/SET labels) and the hints used: reused while equal. */
  types: number[];
  labels: (string[] | null)[];
  hintsVersion: number;
  /** The TableMap carried the columns' metadata (binlog_row_metadata=FULL), not information_schema. */
  selfDescribing: boolean;
  /** The last columns-present bitmap seen to hold every column (zongji reuses the object while its bytes repeat). */
  fullBitmap?: Buffer;
}

/**
 * ENUM/SET labels from a COLUMN_TYPE such as enum('a','it''s'), as the bytes the column stores. The text
 * is UTF-8; labels outside ASCII in another character set cannot be turned back into their bytes here.
 */
export function schemaLabels(columnType: string, charset: string, table: string): string[] {
  const labels = enumLabels(columnType);
  if (!labels.length) throw new CutoverError(`No ENUM/SET labels for ${table} in the binlog or the schema (${columnType}).`, 'SET GLOBAL binlog_row_metadata = FULL');
  const utf8 = /^utf8/i.test(charset);
  return labels.map((l) => {
    if (!utf8 && /[^\x00-\x7f]/.test(l)) {
      throw new CutoverError(
        `The ENUM/SET labels of ${table} are not ASCII in character set ${charset}: with binlog_row_metadata=MINIMAL their stored bytes are unknown.`,
        'SET GLOBAL binlog_row_metadata = FULL (and in the server configuration), then run again.',
      );
    }
    return Buffer.from(l, 'utf8').toString('latin1');
  });
}

export function sameColumns(prev: TableState, cols: { name: string; type: number }[], labels: (string[] | null)[]): boolean {
  if (prev.columns.length !== cols.length) return false;
  for (let i = 0; i < cols.length; i++) {
    if (prev.columns[i] !== cols[i]!.name || prev.types[i] !== cols[i]!.type) return false;
    const a = prev.labels[i];
    const b = labels[i];
    if (a !== b && (a?.length !== b?.length || a!.some((x, k) => x !== b![k]))) return false;
  }
  return true;
}

export function allPresent(bitmap: Buffer, n: number): boolean {
  for (let i = 0; i < n; i++) if (!(bitmap[i >> 3]! & (1 << (i & 7)))) return false;
  return true;
}
