// A MySQL/MariaDB geometry value (4-byte SRID, then WKB) as GeoJSON text, for the geo field beside the
// column's exact value (field-options.ts). Coordinates are x → longitude, y → latitude (GeoJSON's order,
// and the order MySQL stores geographic coordinates in); each ordinate is written as the shortest decimal
// that reads back as the same double, so nothing is rounded. Values a geo field cannot hold are named by
// GeoUnholdable: an empty geometry, a coordinate that is not finite or is outside longitude ±180 /
// latitude ±90, Z/M dimensions, or malformed WKB.

export class GeoUnholdable extends Error {}

const TYPES = ['', 'Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon', 'GeometryCollection'];

/** The geometry's GeoJSON text, its type ("Point", "Polygon", …) and its coordinates' JSON (a Point's: "[x,y]"). */
export function geometryGeoJson(raw: string): { json: string; type: string; coordinates: string } {
  const b = Buffer.from(raw, 'latin1');
  if (b.length < 9) throw new GeoUnholdable(`a geometry value of ${b.length} bytes`);
  let off = 4; // the SRID
  const fail = (why: string): never => {
    throw new GeoUnholdable(why);
  };
  const geom = (): { json: string; type: string; coordinates: string } => {
    if (off + 5 > b.length) fail('malformed WKB');
    const le = b[off] !== 0;
    off += 1;
    const u32 = (): number => {
      if (off + 4 > b.length) fail('malformed WKB');
      const v = le ? b.readUInt32LE(off) : b.readUInt32BE(off);
      off += 4;
      return v;
    };
    const f64 = (): number => {
      if (off + 8 > b.length) fail('malformed WKB');
      const v = le ? b.readDoubleLE(off) : b.readDoubleBE(off);
      off += 8;
      return v;
    };
    const code = u32();
    const type = TYPES[code] || fail(`WKB geometry type ${code} (only 2D types map to GeoJSON)`);
    const coord = (): string => {
      const x = f64();
      const y = f64();
      if (!Number.isFinite(x) || !Number.isFinite(y)) fail('an empty point (its coordinates are not numbers)');
      if (x < -180 || x > 180 || y < -90 || y > 90) fail(`the coordinate (${x} ${y}) is outside longitude −180…180 / latitude −90…90`);
      return `[${x},${y}]`;
    };
    const many = <T>(what: string, one: () => T): T[] => {
      const n = u32();
      if (!n) fail(`an empty ${what}`);
      const out: T[] = [];
      for (let i = 0; i < n; i++) out.push(one());
      return out;
    };
    const line = (): string => `[${many('line', coord).join(',')}]`;
    const polygon = (): string => `[${many('polygon', line).join(',')}]`;
    const member = (want: number, body: () => string): string => {
      const before = off;
      if (off + 5 > b.length) fail('malformed WKB');
      const le2 = b[off] !== 0;
      const t = le2 ? b.readUInt32LE(off + 1) : b.readUInt32BE(off + 1);
      if (t !== want) fail(`a ${type} holding a WKB geometry of type ${t}`);
      off = before;
      off += 5;
      return body();
    };
    let coordinates: string;
    switch (code) {
      case 1:
        coordinates = coord();
        break;
      case 2:
        coordinates = line();
        break;
      case 3:
        coordinates = polygon();
        break;
      case 4:
        coordinates = `[${many('multipoint', () => member(1, coord)).join(',')}]`;
        break;
      case 5:
        coordinates = `[${many('multilinestring', () => member(2, line)).join(',')}]`;
        break;
      case 6:
        coordinates = `[${many('multipolygon', () => member(3, polygon)).join(',')}]`;
        break;
      default:
        return { json: `{"type":"GeometryCollection","geometries":[${many('geometry collection', () => geom().json).join(',')}]}`, type, coordinates: '' };
    }
    return { json: `{"type":${JSON.stringify(type)},"coordinates":${coordinates}}`, type, coordinates };
  };
  const g = geom();
  if (off !== b.length) fail('malformed WKB (bytes after the geometry)');
  return g;
}
