// GEOMETRY columns as PostGIS `geometry` when the sink database has the postgis extension (README:
// "PostgreSQL sink: geometry"). The rule: with the extension a MySQL spatial column becomes `geometry`,
// typed `geometry(<Subtype>,<srid>)` when the column has an SRID attribute (MySQL `SRID n`, MariaDB
// `REF_SYSTEM_ID=n`), plain `geometry` otherwise; without it, `bytea` holding the EWKB. A "sink.types"
// override ("bytea", "geometry", …) decides per column. Values are EWKB either way: the copy and the stream
// follow the type the sink column really has (hex EWKB for geometry, \x-hex for bytea).
import type { ColumnInfo } from '../../core/tables.js';
import { queryRows, type Connection } from '../../mysql/connection.js';
import type { PgClient } from './connection.js';

export const GEOMETRY_TYPES = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection']);

const SUBTYPE: Record<string, string> = {
  geometry: 'Geometry',
  point: 'Point',
  linestring: 'LineString',
  polygon: 'Polygon',
  multipoint: 'MultiPoint',
  multilinestring: 'MultiLineString',
  multipolygon: 'MultiPolygon',
  geometrycollection: 'GeometryCollection',
  geomcollection: 'GeometryCollection',
};

/** The SRID attribute of a column in the source's CREATE TABLE (MySQL `SRID n`, MariaDB `REF_SYSTEM_ID=n`); null when none. */
export function columnSrid(createSql: string, column: string): number | null {
  const quoted = '`' + column.replace(/`/g, '``') + '`';
  for (const line of createSql.split('\n')) {
    const l = line.trim();
    if (!l.startsWith(quoted + ' ')) continue;
    const m = /\bREF_SYSTEM_ID\s*=\s*(\d+)/i.exec(l) ?? /\bSRID\s+(\d+)/i.exec(l);
    return m ? Number(m[1]) : null;
  }
  return null;
}

/**
 * The SRID attributes of a source table's spatial columns, as the source's catalog has them: MySQL 8's
 * information_schema.COLUMNS.SRS_ID, else MariaDB's information_schema.GEOMETRY_COLUMNS (MariaDB's SHOW
 * CREATE TABLE does not print REF_SYSTEM_ID). A column without one is absent.
 */
export async function sourceColumnSrids(conn: Connection, db: string, table: string): Promise<Map<string, number>> {
  let rows: { c: string; s: number | string | null }[];
  try {
    rows = await queryRows(conn, 'SELECT COLUMN_NAME AS c, SRS_ID AS s FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND SRS_ID IS NOT NULL', [db, table]);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ER_BAD_FIELD_ERROR') throw e;
    // MariaDB: every spatial column is listed, SRID 0 when it has no REF_SYSTEM_ID.
    // MySQL 5.7 has neither: no column there has an SRID attribute.
    rows = await queryRows<{ c: string; s: number }>(conn, 'SELECT G_GEOMETRY_COLUMN AS c, SRID AS s FROM information_schema.GEOMETRY_COLUMNS WHERE G_TABLE_SCHEMA = ? AND G_TABLE_NAME = ? AND SRID <> 0', [db, table]).catch(
      (e2: { code?: string }) => (e2.code === 'ER_UNKNOWN_TABLE' ? [] : Promise.reject(e2)),
    );
  }
  return new Map(rows.filter((r) => r.s !== null).map((r) => [String(r.c), Number(r.s)]));
}

/** The PostGIS type of a spatial column: `geometry(Point,4326)` with an SRID attribute, else `geometry`. */
export function postgisType(c: Pick<ColumnInfo, 'dataType'>, srid: number | null): string {
  return srid === null ? 'geometry' : `geometry(${SUBTYPE[c.dataType] ?? 'Geometry'},${srid})`;
}

/** Whether the database the client is connected to has the postgis extension (CREATE EXTENSION postgis). */
export async function postgisInstalled(client: PgClient): Promise<boolean> {
  const r = await client.query("SELECT 1 FROM pg_extension WHERE extname = 'postgis'");
  return (r.rowCount ?? 0) > 0;
}

/** The columns of a sink table whose type is PostGIS geometry, with the SRID their type demands (0: any). */
export async function sinkGeometryColumns(client: PgClient, db: string, table: string): Promise<Map<string, { srid: number }>> {
  const r = await client.query<{ c: string; srid: number | null }>(
    `SELECT a.attname AS c, CASE WHEN a.atttypmod > 0 THEN ((a.atttypmod & 268435200) >> 8) ELSE 0 END AS srid
       FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
      WHERE a.attrelid = (quote_ident($1) || '.' || quote_ident($2))::regclass AND a.attnum > 0 AND NOT a.attisdropped AND ty.typname = 'geometry'`,
    [db, table],
  );
  return new Map(r.rows.map((x) => [x.c, { srid: Number(x.srid ?? 0) }]));
}

/**
 * Why PostGIS would refuse this EWKB (its parser checks counts, ring closure and minimum points), or null
 * when it takes it. The copy stops naming the row instead of letting COPY fail on a line number.
 */
export function ewkbProblem(b: Buffer): string | null {
  let pos = 0;
  const need = (n: number): void => {
    if (pos + n > b.length) throw new Error('the WKB ends early');
  };
  const geom = (depth: number): void => {
    if (depth > 32) throw new Error('collections nested too deeply');
    need(5);
    const le = b[pos] === 1;
    if (b[pos] !== 0 && b[pos] !== 1) throw new Error(`byte order ${b[pos]} is neither 0 nor 1`);
    const u32 = (): number => {
      need(4);
      const v = le ? b.readUInt32LE(pos) : b.readUInt32BE(pos);
      pos += 4;
      return v;
    };
    pos += 1;
    const type = u32();
    if (type & 0x20000000) u32(); // SRID
    if (type & 0xc0000000) throw new Error('Z and M coordinates are not written by MySQL');
    const base = type & 0x0fffffff;
    const points = (min: number, closed: boolean): void => {
      const n = u32();
      need(n * 16);
      if (n > 0 && n < min) throw new Error(`${closed ? 'a polygon ring' : 'a linestring'} needs at least ${min} points, this one has ${n}`);
      // Closed by value, as PostGIS compares (-0 equals 0; NaN never closes).
      const f64 = (at: number): number => (le ? b.readDoubleLE(at) : b.readDoubleBE(at));
      const last = pos + (n - 1) * 16;
      if (closed && n > 0 && !(f64(pos) === f64(last) && f64(pos + 8) === f64(last + 8))) throw new Error('a polygon ring is not closed');
      pos += n * 16;
    };
    switch (base) {
      case 1:
        need(16);
        pos += 16;
        return;
      case 2:
        return points(2, false);
      case 3: {
        const rings = u32();
        for (let i = 0; i < rings; i++) points(4, true);
        return;
      }
      case 4:
      case 5:
      case 6:
      case 7: {
        const n = u32();
        for (let i = 0; i < n; i++) geom(depth + 1);
        return;
      }
      default:
        throw new Error(`geometry type ${base} is not one PostGIS reads`);
    }
  };
  try {
    geom(0);
    if (pos !== b.length) return `${b.length - pos} bytes follow the geometry`;
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The SRID inside an EWKB (0 when it has none). */
export function ewkbSrid(b: Buffer): number {
  if (b.length < 9) return 0;
  const le = b[0] === 1;
  const type = le ? b.readUInt32LE(1) : b.readUInt32BE(1);
  return type & 0x20000000 ? (le ? b.readUInt32LE(5) : b.readUInt32BE(5)) : 0;
}
