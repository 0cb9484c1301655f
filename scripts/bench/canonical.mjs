// The sysbench tables' canonical checksum, computed the same way by MariaDB and by PostgreSQL, so a copy
// from one into the other is checked by what each server holds: every row as the text
// `id,k,c,pad` (CHAR values without their trailing pad spaces, as both servers return them), the rows of
// each block of 10,000 ids joined by newlines in id order and hashed with MD5, and the table's checksum
// the MD5 of those block hashes in block order. (Blocks keep every string the servers build small:
// one string of a whole table would pass MariaDB's max_allowed_packet.) Plus the row count.
import { spawnSync } from 'node:child_process';
import { postgresSocketDirOf } from '../test-services.mjs';
import { sql } from './lib.mjs';
import { DB } from './mariadb.mjs';

const BLOCK = 10_000;

/** SQL through psql as the superuser `cutover` over the cluster's socket (trusted there); rows as arrays of strings. */
export function pgSql(pg, database, statement) {
  const r = spawnSync(
    'psql',
    ['-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-h', postgresSocketDirOf(pg), '-p', String(pg.port), '-U', 'cutover', '-d', database, '-f', '-'],
    { input: statement, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`psql failed on ${pg.name}/${database}: ${statement}\n${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

/** Drops (ending its sessions) and creates `database` on the cluster. */
export function recreatePgDatabase(pg, database) {
  pgSql(pg, 'postgres', `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  pgSql(pg, 'postgres', `CREATE DATABASE "${database}"`);
}

/** table → { rows, checksum } on the MariaDB source (database DB). */
export function mariadbCanonical(sock, tables) {
  const out = {};
  for (const t of tables) {
    const [[rows, checksum]] = sql(
      sock,
      `SET SESSION group_concat_max_len = 1073741824;
       SELECT (SELECT COUNT(*) FROM ${DB}.${t}),
              (SELECT MD5(GROUP_CONCAT(h ORDER BY b SEPARATOR '')) FROM (
                 SELECT id DIV ${BLOCK} AS b, MD5(GROUP_CONCAT(CONCAT_WS(',', id, k, c, pad) ORDER BY id SEPARATOR '\\n')) AS h
                 FROM ${DB}.${t} GROUP BY id DIV ${BLOCK}) AS blocks)`,
    );
    out[t] = { rows: Number(rows), checksum };
  }
  return out;
}

/**
 * table → { rows, checksum } in schema DB of `database` on the PostgreSQL cluster; a missing table is
 * { rows: null, checksum: null, error }. Whatever integer or character types the copy chose: integers
 * print the same through ::bigint, and char(n)::text drops the pad spaces as MariaDB does.
 */
export function postgresCanonical(pg, database, tables) {
  const out = {};
  for (const t of tables) {
    try {
      const [[rows, checksum]] = pgSql(
        pg,
        database,
        `SELECT (SELECT count(*) FROM "${DB}"."${t}"),
                (SELECT md5(string_agg(h, '' ORDER BY b)) FROM (
                   SELECT id::bigint / ${BLOCK} AS b,
                          md5(string_agg(id::bigint::text || ',' || k::bigint::text || ',' || c::text || ',' || pad::text, E'\\n' ORDER BY id)) AS h
                   FROM "${DB}"."${t}" GROUP BY 1) AS blocks)`,
      );
      out[t] = { rows: Number(rows), checksum: checksum === '' ? null : checksum };
    } catch (e) {
      out[t] = { rows: null, checksum: null, error: e.message.match(/ERROR: .*$/m)?.[0] ?? e.message };
    }
  }
  return out;
}

/** Both sides per table, for the JSON, and what differs (null when every count and checksum matches). */
export function compareCanonical(source, sink) {
  const bad = Object.keys(source).filter((t) => sink[t]?.rows !== source[t].rows || sink[t]?.checksum !== source[t].checksum);
  const why = (t) =>
    sink[t]?.error
      ? `${t}: ${sink[t].error}`
      : `${t}: rows ${source[t].rows} → ${sink[t]?.rows}, checksum ${source[t].checksum} → ${sink[t]?.checksum}`;
  return {
    checksums: Object.fromEntries(Object.keys(source).map((t) => [t, { source: source[t], sink: sink[t] ?? null }])),
    mismatch: bad.length ? `canonical checksum mismatch: ${bad.map(why).join('; ')}` : null,
  };
}
