// The wizard's view of a MySQL/MariaDB source (SourceSession.catalog): every database and table with its
// row estimate, sizes, key, columns and the warnings an operator should see before choosing it. Four information_schema queries in all (not
// one round of queries per table), so a source with thousands of tables answers in about a second.
import { SYSTEM_DATABASES } from '../../../shared/table-selection.js';
import type { CatalogTable } from '../../../shared/wizard.js';
import { queryRows, type Connection } from '../../mysql/connection.js';
import { pickChunkKey, type IndexRow as StatisticsRow } from '../../mysql/chunk-key.js';
import type { ColumnInfo } from '../../core/tables.js';

/** The system databases and Cutover's own `_cutover`: never offered for copy. */
const SYSTEM = `(${[...SYSTEM_DATABASES].map((d) => `'${d}'`).join(',')})`;

interface TableRow {
  db: string;
  t: string;
  engine: string | null;
  type: string;
  rows: number | string | null;
  data: number | string | null;
  idx: number | string | null;
}

interface ColumnRow {
  db: string;
  t: string;
  name: string;
  dataType: string;
  type: string;
  nullable: string;
  extra: string;
}

interface IndexRow extends StatisticsRow {
  db: string;
  t: string;
}

const keyOf = (db: string, t: string): string => `${db}\u0000${t}`;

function group<T extends { db: string; t: string }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = keyOf(String(r.db), String(r.t));
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(r);
  }
  return out;
}

export async function readCatalog(conn: Connection): Promise<CatalogTable[]> {
  const tables = await queryRows<TableRow>(
    conn,
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS t, ENGINE AS engine, TABLE_TYPE AS type, TABLE_ROWS AS \`rows\`, DATA_LENGTH AS data, INDEX_LENGTH AS idx
     FROM information_schema.TABLES WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') AND TABLE_SCHEMA NOT IN ${SYSTEM} ORDER BY 1, 2`,
  );
  const columns = group(
    await queryRows<ColumnRow>(
      conn,
      `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS t, COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, EXTRA AS extra
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA NOT IN ${SYSTEM} ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
    ),
  );
  const indexes = group(
    await queryRows<IndexRow>(
      conn,
      `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS t, TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, NULLABLE
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA NOT IN ${SYSTEM} ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX`,
    ),
  );
  const triggers = new Set(
    (await queryRows<{ db: string; t: string }>(conn, `SELECT EVENT_OBJECT_SCHEMA AS db, EVENT_OBJECT_TABLE AS t FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA NOT IN ${SYSTEM}`)).map((r) =>
      keyOf(String(r.db), String(r.t)),
    ),
  );
  const foreignKeys = new Set(
    (
      await queryRows<{ db: string; t: string }>(
        conn,
        `SELECT DISTINCT TABLE_SCHEMA AS db, TABLE_NAME AS t FROM information_schema.KEY_COLUMN_USAGE WHERE REFERENCED_TABLE_NAME IS NOT NULL AND TABLE_SCHEMA NOT IN ${SYSTEM}`,
      )
    ).map((r) => keyOf(String(r.db), String(r.t))),
  );

  return tables.map((r) => {
    const db = String(r.db);
    const table = String(r.t);
    const k = keyOf(db, table);
    const cols: ColumnInfo[] = (columns.get(k) ?? []).map((c) => ({
      name: String(c.name),
      dataType: String(c.dataType).toLowerCase(),
      columnType: String(c.type).toLowerCase(),
      charset: null,
      collation: null,
      nullable: c.nullable === 'YES',
      generated: /GENERATED|PERSISTENT|VIRTUAL/i.test(String(c.extra)),
    }));
    const key = pickChunkKey(indexes.get(k) ?? [], cols);
    const warnings: string[] = [];
    if (!key) warnings.push('No primary or unique NOT NULL key: copied in one piece (a restart copies it again), and streamed updates and deletes match the whole row.');
    if (r.engine && !/^(InnoDB|Aria)$/i.test(r.engine)) warnings.push(`${r.engine} engine: not transactional, so the copy cannot read it in a consistent snapshot.`);
    if (r.type === 'SYSTEM VERSIONED') warnings.push('System-versioned: its current rows are copied, not its history.');
    if (triggers.has(k)) warnings.push('Has triggers: they are created on the sink at cutover, not before (they would fire on copied rows).');
    if (foreignKeys.has(k)) warnings.push('Has foreign keys: they are created on the sink but not checked during the load.');
    if (cols.some((c) => c.generated)) warnings.push('Has generated columns: the sink computes them; they are not copied.');
    return {
      db,
      table,
      engine: r.engine ?? null,
      estimatedRows: Number(r.rows ?? 0),
      dataBytes: Number(r.data ?? 0),
      indexBytes: Number(r.idx ?? 0),
      keyColumns: key?.columns ?? [],
      columns: cols.map((c) => ({ name: c.name, type: c.columnType, nullable: c.nullable, generated: c.generated })),
      warnings,
    };
  });
}
