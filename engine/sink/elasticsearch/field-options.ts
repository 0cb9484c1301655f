// The job's per-column choices for a search index ("sink.columns": {"db.table.column": {…}}), on top of the
// type rules (fields.ts). `_source` keeps the column's exact value whatever is chosen; each choice adds a
// way to search it:
//
//   "scaledFloat": 100      DECIMAL     a multi-field "<column>.scaled" (scaled_float, scaling_factor 100):
//                                       the cluster parses the column's own string into it, so _source
//                                       gains nothing. Rounded to 1/factor by definition; a value whose
//                                       |value × factor| exceeds 2^53 (where the long the cluster keeps is
//                                       no longer the value's digits, and beyond 2^63 it is clamped)
//                                       stops the job naming it.
//   "json": "flattened"     JSON        the column's mapping becomes flattened (Elasticsearch 7.3+) or
//                                       flat_object (OpenSearch 2.7+): every leaf indexed as a keyword.
//                                       Those types take objects only: a value that is not a JSON object
//                                       stops the job naming it.
//   "geo": true             GEOMETRY    GeoJSON of the value in the field "<column>_geo" (a separate field:
//                                       the value is transformed, so a multi-field cannot hold it),
//                                       mapped geo_point for a POINT column (the GeoJSON position
//                                       [lon, lat], which every version's geo_point takes; Elasticsearch
//                                       7.17 refuses a GeoJSON Point object there), geo_shape otherwise.
//                                       A value a geo field cannot hold (an empty geometry, a coordinate
//                                       outside ±180/±90, Z/M dimensions) stops the job naming it, or with
//                                       "unholdable": "omit" that field is null for the row (and the
//                                       mapping gets ignore_malformed, so shapes the cluster itself
//                                       refuses, e.g. self-crossing polygons, are left unindexed too).
import { CutoverError } from '../../../shared/errors.js';
import type { SearchSinkConfig } from '../../../shared/job-config.js';
import type { ColumnInfo, CopyTable } from '../../core/tables.js';
import type { ClusterInfo } from './cluster.js';
import { fieldRule, GEOMETRY_TYPES, type FieldMapping, type FieldRule } from './fields.js';
import { geometryGeoJson, GeoUnholdable } from './geojson.js';

export type ColumnOptions = SearchSinkConfig['columns'][string];

/** The suffix of the geo field written beside a geometry column. */
export const GEO_SUFFIX = '_geo';
const TWO_53 = 2 ** 53;

const configError = (key: string, message: string, fix: string): CutoverError => new CutoverError(`$.sink.columns["${key}"]: ${message}`, fix, 'CONFIG');

/** A column's rule with its options applied; `key` is "db.table.column" (for errors). */
export function columnRule(c: ColumnInfo, o: ColumnOptions | undefined, key: string): FieldRule {
  const base = fieldRule(c);
  if (!o) return base;
  // An option may change what render() makes of a value: such a column's values go through render().
  let rule: FieldRule = { ...base, bytes: undefined };
  const isDecimal = c.dataType === 'decimal' || c.dataType === 'numeric';
  const isJson = c.dataType === 'json' || !!c.jsonText;
  const isGeo = GEOMETRY_TYPES.has(c.dataType);
  if (o.scaledFloat !== undefined) {
    if (!isDecimal) throw configError(key, `"scaledFloat" is for DECIMAL columns; ${c.name} is ${c.columnType}`, 'Remove "scaledFloat" from this column, or map it with "sink.mappings".');
    const factor = o.scaledFloat;
    rule = {
      ...rule,
      mapping: { ...rule.mapping, fields: { scaled: { type: 'scaled_float', scaling_factor: factor } } },
      render: (raw, what) => {
        if (Math.abs(Number(raw)) * factor > TWO_53)
          throw new Error(
            `${what}: ${raw} × scaling factor ${factor} is beyond 2^53, so the scaled_float copy ("${c.name}.scaled") cannot hold it exactly; give the column a smaller "scaledFloat", or remove it`,
          );
        return base.render(raw, what);
      },
    };
  }
  if (o.json !== undefined) {
    if (!isJson) throw configError(key, `"json" is for JSON columns; ${c.name} is ${c.columnType}`, 'Remove "json" from this column.');
    if (o.json === 'flattened') {
      const render = rule.render;
      rule = {
        ...rule,
        mapping: { type: 'flattened' },
        render: (raw, what) => {
          const v = render(raw, what);
          if (!/^\s*\{/.test(v)) throw new Error(`${what}: the JSON value ${v.slice(0, 80)} is not an object, and a flattened field holds objects only; use "json": "object" for this column`);
          return v;
        },
      };
    }
  }
  if (o.geo) {
    if (!isGeo) throw configError(key, `"geo" is for geometry columns; ${c.name} is ${c.columnType}`, 'Remove "geo" from this column.');
    const omit = o.unholdable === 'omit';
    const point = c.dataType === 'point';
    const mapping: FieldMapping = { type: c.dataType === 'point' ? 'geo_point' : 'geo_shape', ...(omit ? { ignore_malformed: true } : {}) };
    rule = {
      ...rule,
      extra: {
        name: `${c.name}${GEO_SUFFIX}`,
        mapping,
        render: (raw, what) => {
          try {
            const g = geometryGeoJson(raw);
            // geo_point takes a GeoJSON position [lon, lat] everywhere; a GeoJSON Point object only on some versions (not Elasticsearch 7.17).
            if (point) {
              if (g.type !== 'Point') throw new GeoUnholdable(`a ${g.type} in a POINT column`);
              return g.coordinates;
            }
            return g.json;
          } catch (e) {
            if (!(e instanceof GeoUnholdable)) throw e;
            if (omit) return 'null';
            throw new Error(`${what}: ${e.message}: the geo field "${c.name}${GEO_SUFFIX}" cannot hold it; fix the value, or set "unholdable": "omit" on the column (the field is then null for this row)`);
          }
        },
      },
    };
  } else if (o.unholdable !== undefined) throw configError(key, '"unholdable" applies to the "geo" field, and this column has none', 'Remove it, or add "geo": true.');
  return rule;
}

/** The rules of a table's columns, each with the job's options for it; throws on an option that does not fit. */
export function tableRules(t: CopyTable, options: SearchSinkConfig['columns']): FieldRule[] {
  const rules = t.columns.map((c) => {
    const key = `${t.source.db}.${t.source.table}.${c.name}`;
    return columnRule(c, options[key], key);
  });
  const names = new Set(t.columns.map((c) => c.name));
  for (const r of rules)
    if (r.extra && names.has(r.extra.name))
      throw new CutoverError(
        `${t.source.db}.${t.source.table}: the geo field ${r.extra.name} would have the name of a column of the table.`,
        `Leave out "geo" for that column, or exclude/rename the column ${r.extra.name}.`,
        'CONFIG',
      );
  return rules;
}

/** A mapping as this cluster spells it: "flattened" is flat_object on OpenSearch; refused where the type does not exist. */
export function mappingFor(m: FieldMapping, cluster: ClusterInfo, where: string): FieldMapping {
  if (m.type !== 'flattened') return m;
  const [major = 0, minor = 0] = cluster.version.split('.').map(Number);
  if (cluster.flavour === 'opensearch') {
    if (major < 2 || (major === 2 && minor < 7))
      throw new CutoverError(`${where}: "json": "flattened" needs OpenSearch 2.7 or later (flat_object); the cluster is ${cluster.title}.`, 'Use "json": "object" for this column, or upgrade the cluster.', 'CONFIG');
    return { ...m, type: 'flat_object' };
  }
  if (major < 7 || (major === 7 && minor < 3))
    throw new CutoverError(`${where}: "json": "flattened" needs Elasticsearch 7.3 or later; the cluster is ${cluster.title}.`, 'Use "json": "object" for this column, or upgrade the cluster.', 'CONFIG');
  return m;
}
