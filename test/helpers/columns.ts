// A source column for unit tests: nullable, not generated, no charset, COLUMN_TYPE = DATA_TYPE unless given.
import type { ColumnInfo } from '../../engine/core/tables.js';

export const column = (name: string, dataType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name,
  dataType,
  columnType: dataType,
  charset: null,
  collation: null,
  nullable: true,
  generated: false,
  ...extra,
});
