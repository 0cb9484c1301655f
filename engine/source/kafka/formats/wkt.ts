// WKT → WKB (little-endian), for Maxwell's GEOMETRY values (JTS WKTWriter text: "POINT (1 2)",
// "MULTIPOINT ((0 0), (1 1))", "GEOMETRYCOLLECTION EMPTY"). 2D only; an ordinate's shortest digits read
// back as the same double. The SRID is not in Maxwell's output: the decoded value has SRID 0.
import { ValueError } from './raw-values.js';

const TYPES: Record<string, number> = { POINT: 1, LINESTRING: 2, POLYGON: 3, MULTIPOINT: 4, MULTILINESTRING: 5, MULTIPOLYGON: 6, GEOMETRYCOLLECTION: 7 };

export function wktToWkb(text: string): Buffer {
  const toks = text.match(/[A-Za-z]+|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|NaN|[(),]/g) ?? [];
  let i = 0;
  const parts: Buffer[] = [];
  const bad = (): never => {
    throw new ValueError(`"${text.slice(0, 60)}" is not WKT`);
  };
  const u32 = (n: number): void => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    parts.push(b);
  };
  const header = (type: number): void => {
    parts.push(Buffer.from([1]));
    u32(type);
  };
  const expect = (t: string): void => {
    if (toks[i++] !== t) bad();
  };
  const num = (): number => {
    const t = toks[i++];
    if (t === undefined || !/^[-+]?[\d.]|NaN/.test(t)) bad();
    return Number(t);
  };
  const coord = (): void => {
    const b = Buffer.alloc(16);
    b.writeDoubleLE(num(), 0);
    b.writeDoubleLE(num(), 8);
    parts.push(b);
  };
  const empty = (): boolean => (toks[i]?.toUpperCase() === 'EMPTY' ? (i++, true) : false);
  /** A parenthesized list of items; the count is written before them. */
  const list = (item: () => void): void => {
    if (empty()) return u32(0);
    expect('(');
    const at = parts.length;
    u32(0);
    let n = 0;
    for (;;) {
      item();
      n++;
      const t = toks[i++];
      if (t === ')') break;
      if (t !== ',') bad();
    }
    parts[at]!.writeUInt32LE(n);
  };
  const seq = (): void => list(coord);
  const geom = (): void => {
    const name = (toks[i++] ?? '').toUpperCase();
    const type = TYPES[name] ?? bad();
    header(type);
    switch (type) {
      case 1:
        if (empty()) {
          const b = Buffer.alloc(16);
          b.writeDoubleLE(NaN, 0);
          b.writeDoubleLE(NaN, 8);
          parts.push(b);
        } else {
          expect('(');
          coord();
          expect(')');
        }
        return;
      case 2:
        return seq();
      case 3:
        return list(seq);
      case 4:
        // "MULTIPOINT ((0 0), (1 1))" or the older "MULTIPOINT (0 0, 1 1)"
        return list(() => {
          header(1);
          if (toks[i] === '(') {
            i++;
            coord();
            expect(')');
          } else coord();
        });
      case 5:
        return list(() => (header(2), seq()));
      case 6:
        return list(() => (header(3), list(seq)));
      default:
        return list(geom);
    }
  };
  geom();
  if (i !== toks.length) bad();
  return Buffer.concat(parts);
}
