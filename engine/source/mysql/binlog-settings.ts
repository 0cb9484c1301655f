// The source settings the binlog reader needs, checked when it opens.
import { CutoverError } from '../../../shared/errors.js';
import { queryRows, type Connection } from '../../mysql/connection.js';

/** Row events are exact only with ROW format, FULL images and (for names, charsets, ENUM labels) FULL metadata. */
export async function checkBinlogSettings(conn: Connection): Promise<void> {
  const [row] = await queryRows<Record<string, string | null>>(
    conn,
    "SELECT @@GLOBAL.binlog_format AS format, @@GLOBAL.binlog_row_image AS image, @@GLOBAL.log_bin AS log_bin",
  );
  const fix = (what: string, sql: string): CutoverError => new CutoverError(`The source's ${what}; binlog streaming needs it.`, sql);
  if (String(row?.log_bin) !== '1' && String(row?.log_bin).toUpperCase() !== 'ON') throw fix('binary log is off', 'Start the server with --log-bin');
  if (String(row?.format).toUpperCase() !== 'ROW') throw fix(`binlog_format is ${row?.format}, not ROW`, 'SET GLOBAL binlog_format = ROW');
  if (String(row?.image).toUpperCase() !== 'FULL') throw fix(`binlog_row_image is ${row?.image}, not FULL`, 'SET GLOBAL binlog_row_image = FULL');
  const [meta] = await queryRows<{ v: string | null }>(conn, 'SELECT @@GLOBAL.binlog_row_metadata AS v').catch(() => [{ v: null }]);
  if (meta && meta.v !== null && !['FULL', 'MINIMAL'].includes(String(meta.v).toUpperCase())) {
    throw fix(`binlog_row_metadata is ${meta.v}, not FULL or MINIMAL`, 'SET GLOBAL binlog_row_metadata = FULL');
  }
}
