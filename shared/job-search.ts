// An Elasticsearch or OpenSearch sink in a job file and in the resolved job. shared/job-config.ts puts the
// endpoints together.
import { z } from 'zod';
import { profileName, topicTemplate } from './job-endpoints.js';
import type { SinkRules } from './job-rules.js';

/** An http(s):// URL of a search cluster (Elasticsearch or OpenSearch), without credentials. */
export const searchUrl = z.string().regex(/^https?:\/\/[^/@\s]+(\/[^\s]*)?$/, { message: 'must be a URL like http://127.0.0.1:9200 (credentials go in "usernameEnv"/"passwordEnv" or "apiKeyEnv")' });
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be an environment variable name such as CUTOVER_SINK_PASSWORD' });
export const SEARCH_INDEX_DEFAULT = '{db}.{table}';

const searchSinkOptions = {
  type: z.literal('elasticsearch'),
  /** Index per table: a template with {db} and {table} (the sink names, after "rename"), or a fixed name. */
  index: topicTemplate(['db', 'table']).default(SEARCH_INDEX_DEFAULT),
  /** A PEM file of the certificate authority that signed the cluster's certificate (https URLs). */
  caFile: z.string().min(1).optional(),
  /**
   * Index settings of the indexes Cutover creates (e.g. {"number_of_shards": 3, "number_of_replicas": 1}).
   * During the copy an index has refresh_interval -1 and no replicas; these are set once its copy is done.
   */
  settings: z.record(z.string(), z.unknown()).default({}),
  /** Field mappings by source column ("db.table.column": {"type": "text"}), taken as written instead of the type rules. */
  mappings: z.record(z.string().regex(/^[^.]+\.[^.]+\.[^.]+$/, { message: 'must be "db.table.column"' }), z.record(z.string(), z.unknown())).default({}),
  /**
   * Extra representations by source column ("db.table.column": {…}), beside the exact value `_source` keeps:
   * a DECIMAL's scaled_float copy (the multi-field "<column>.scaled"), a JSON column indexed as flattened
   * (Elasticsearch) / flat_object (OpenSearch), a geometry's GeoJSON in the field "<column>_geo" mapped as
   * geo_point (POINT) or geo_shape. engine/sink/elasticsearch/field-options.ts.
   */
  columns: z
    .record(
      z.string().regex(/^[^.]+\.[^.]+\.[^.]+$/, { message: 'must be "db.table.column"' }),
      z
        .object({
          /** DECIMAL: a scaled_float copy with this scaling factor (100: two decimals), searchable as "<column>.scaled". */
          scaledFloat: z.number().positive().max(1e15).optional(),
          /** JSON: "object" (stored, not indexed; the default) or "flattened" (every leaf indexed as a keyword). */
          json: z.enum(['object', 'flattened']).optional(),
          /** GEOMETRY and its subtypes: GeoJSON in "<column>_geo", mapped geo_point (POINT) or geo_shape. */
          geo: z.boolean().optional(),
          /** With "geo": a value the geo field cannot hold stops the job naming it ("stop", the default), or leaves that field null ("omit"; the exact value stays). */
          unholdable: z.enum(['stop', 'omit']).optional(),
        })
        .strict(),
    )
    .default({}),
  /** Bytes of documents per bulk request; default 4 MiB. */
  batchBytes: z.number().int().min(4096).max(100 * 1024 * 1024).optional(),
  /**
   * Documents from several tables: "db.table" (a contributing table, keyed by one column) → the table whose
   * documents get its fields ("into"), the column of "into" holding the contributing row's key ("on"), the
   * object the fields go in ("as", default the table's name) and which fields ("fields", default all).
   */
  documents: z
    .record(
      z.string().regex(/^[^.]+\.[^.]+$/, { message: 'must be "db.table"' }),
      z
        .object({
          into: z.string().regex(/^[^.]+\.[^.]+$/, { message: 'must be "db.table"' }),
          on: z.string().min(1),
          as: z.string().regex(/^[^._][^.]*$/, { message: 'must be a field name without dots, not starting with "_"' }).optional(),
          fields: z.array(z.string().min(1)).min(1).optional(),
        })
        .strict(),
    )
    .default({}),
};

/** The resolved search sink: its URL and credentials. */
export const SearchSinkConfig = z
  .object({
    ...searchSinkOptions,
    url: searchUrl,
    auth: z.union([z.object({ username: z.string(), password: z.string() }).strict(), z.object({ apiKey: z.string() }).strict()]).optional(),
  })
  .strict();
/** A search sink in a job file: a URL, credentials from environment variables (basic auth or an API key). */
export const SearchSinkFile = z
  .object({
    ...searchSinkOptions,
    url: searchUrl.optional(),
    /** A saved search cluster profile (its URL, credentials and CA file), instead of "url". */
    profile: profileName.optional(),
    /** Basic authentication: the user name, or the environment variable holding it. */
    username: z.string().min(1).optional(),
    usernameEnv: envName.optional(),
    /** Basic authentication: the password, from this environment variable. */
    passwordEnv: envName.optional(),
    /** An API key ("id:key" or its base64 form as the cluster printed it), from this environment variable. */
    apiKeyEnv: envName.optional(),
  })
  .strict();

function checkSearchEndpoint(s: z.infer<typeof SearchSinkFile>, ctx: z.RefinementCtx): void {
  if (!s.url === !s.profile)
    ctx.addIssue({ code: 'custom', path: ['sink'], message: s.url ? 'has both "url" and "profile"' : 'needs "url" or "profile"', params: { fix: 'Give "url": "http://127.0.0.1:9200" (with "usernameEnv"/"passwordEnv" or "apiKeyEnv"), or "profile": "<a saved search connection>".' } });
  if (s.profile && (s.username || s.usernameEnv || s.passwordEnv || s.apiKeyEnv))
    ctx.addIssue({ code: 'custom', path: ['sink', 'profile'], message: 'a profile carries its own credentials', params: { fix: 'Remove "username"/"usernameEnv"/"passwordEnv"/"apiKeyEnv", or use "url" instead of "profile".' } });
  if (s.apiKeyEnv && (s.username || s.usernameEnv || s.passwordEnv))
    ctx.addIssue({ code: 'custom', path: ['sink', 'apiKeyEnv'], message: 'an API key and basic authentication at once', params: { fix: 'Keep "apiKeyEnv", or "username"/"usernameEnv" with "passwordEnv".' } });
  if (s.username && s.usernameEnv) ctx.addIssue({ code: 'custom', path: ['sink', 'usernameEnv'], message: 'both "username" and "usernameEnv"', params: { fix: 'Keep one of them.' } });
  if (!(s.username || s.usernameEnv) !== !s.passwordEnv)
    ctx.addIssue({ code: 'custom', path: ['sink', 'passwordEnv'], message: 'basic authentication needs a user name and a password', params: { fix: 'Give "username" (or "usernameEnv") and "passwordEnv" together.' } });
}

export const searchSinkRules: SinkRules = {
  title: 'Elasticsearch/OpenSearch',
  checkFile: (sink, ctx) => checkSearchEndpoint(sink as z.infer<typeof SearchSinkFile>, ctx),
};
