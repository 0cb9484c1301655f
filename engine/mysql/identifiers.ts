// Identifier quoting: backticks, with embedded backticks doubled. Works for reserved words and non-ASCII names.
import type { TableRef } from '../../shared/table-selection.js';

export function quoteId(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

export function quoteTable(ref: TableRef): string {
  return `${quoteId(ref.db)}.${quoteId(ref.table)}`;
}

/** A string literal for metadata statements (names, settings); never used for row values. */
export function quoteString(s: string): string {
  return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\0/g, '\\0') + "'";
}
