// The source schema of the streaming tests: awkward tables (a UNIQUE key besides the primary key, a
// composite key, no key at all, every tricky type, an append-only log) with seeded rows, and its creation.
import { exec, q, sourceUrl } from './db.js';

export interface SchemaSizes {
  /** t_uk: INT AUTO_INCREMENT PK + UNIQUE(u). */
  uk: number;
  /** t_comp: composite PK (INT, VARCHAR). */
  comp: number;
  /** t_nokey: no key at all, with duplicate rows. */
  nokey: number;
  /** t_types: BIGINT UNSIGNED PK up to 2^64-1, DATETIME(6), TIMESTAMP(6), DECIMAL(65,30), JSON, BLOB, utf8mb4 text. */
  types: number;
  /** t_log: append-only AUTO_INCREMENT table (0: not created). */
  log: number;
}

export const U64_MAX = 18446744073709551615n;
/** t_types ids are spaced this far apart, leaving holes for inserts and key moves. */
export const TYPES_STEP = 8n;

export function schemaSql(db: string, n: SchemaSizes): string {
  const d = q(db);
  const parts = [
    `CREATE DATABASE ${d} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`,
    `USE ${d}`, // the seq_1_to_N sequence tables need a current database
    `CREATE TABLE ${d}.t_uk (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, u INT NOT NULL, v VARCHAR(64), n INT NOT NULL DEFAULT 0,
       UNIQUE KEY uk_u (u)) ENGINE=InnoDB`,
    `INSERT INTO ${d}.t_uk (id, u, v, n) SELECT seq, seq * 10, MD5(seq), 0 FROM seq_1_to_${n.uk}`,
    `CREATE TABLE ${d}.t_comp (a INT NOT NULL, b VARCHAR(20) NOT NULL, c BIGINT, s VARCHAR(40), PRIMARY KEY (a, b)) ENGINE=InnoDB`,
    `INSERT INTO ${d}.t_comp SELECT seq DIV 3, CONCAT('k', seq MOD 3), seq * 1000003, SHA1(seq) FROM seq_1_to_${n.comp}`,
    `CREATE TABLE ${d}.t_nokey (a INT, b VARCHAR(20), c DECIMAL(10,2)) ENGINE=InnoDB`,
    `INSERT INTO ${d}.t_nokey SELECT seq MOD 2000, CONCAT('v', seq MOD 2000), NULL FROM seq_1_to_${n.nokey}`,
    `CREATE TABLE ${d}.t_types (
       id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
       dt DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, dec65 DECIMAL(65,30), big BIGINT UNSIGNED, j JSON, bl BLOB,
       txt TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci, e ENUM('a','b','c'), KEY k_dt (dt)) ENGINE=InnoDB`,
    `INSERT INTO ${d}.t_types SELECT ${U64_MAX} - (${n.types} - seq) * ${TYPES_STEP},
       '2000-01-01 00:00:00' + INTERVAL seq * 7919 SECOND + INTERVAL seq MICROSECOND,
       IF(seq MOD 5 = 0, NULL, FROM_UNIXTIME(1000000000 + seq * 37) + INTERVAL seq MICROSECOND),
       CONCAT(IF(seq MOD 2, '-', ''), REPEAT('9', 1 + seq MOD 35), '.', LPAD(seq, 30, '0')),
       IF(seq MOD 7 = 0, ${U64_MAX}, seq * 1234567891),
       JSON_OBJECT('seq', seq, 'name', CONCAT('n', seq), 'arr', JSON_ARRAY(seq, seq / 3, 'é')),
       UNHEX(CONCAT(MD5(seq), '00275C0A0D09', SHA1(seq))),
       CONCAT('text ', seq, ' é ü 😀 \\\\ \\' "', REPEAT('x', seq MOD 50)),
       ELT(1 + seq MOD 3, 'a', 'b', 'c')
     FROM seq_1_to_${n.types}`,
  ];
  if (n.log > 0) {
    parts.push(
      `CREATE TABLE ${d}.t_log (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(64) NOT NULL, at DATETIME(6) NOT NULL) ENGINE=InnoDB`,
      `INSERT INTO ${d}.t_log (payload, at) SELECT CONCAT('initial ', seq), '2020-01-01' + INTERVAL seq SECOND FROM seq_1_to_${n.log}`,
    );
  }
  return parts.join(';\n') + ';';
}

export function tablesOf(n: SchemaSizes): string[] {
  return ['t_uk', 't_comp', 't_nokey', 't_types', ...(n.log > 0 ? ['t_log'] : [])];
}

/** Creates the schema of schemaSql on the source and ANALYZEs its tables, so the copy sees current row estimates. */
export async function createSourceSchema(db: string, sizes: SchemaSizes): Promise<void> {
  await exec(sourceUrl(), schemaSql(db, sizes));
  await exec(sourceUrl(), `ANALYZE TABLE ${tablesOf(sizes).map((t) => `${q(db)}.${q(t)}`).join(', ')}`);
}
