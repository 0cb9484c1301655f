// A MySQL/MariaDB server in a job file (source or sink) and in the resolved job: shared/job-config.ts
// puts the endpoints together.
import { z } from 'zod';
import { checkMysqlEndpoint, mysqlEndpointFields, mysqlUrl } from './job-endpoints.js';
import type { SinkRules, SourceRules } from './job-rules.js';

const mysqlSinkOptions = {
  type: z.literal('mysql'),
  /** Bytes per INSERT statement; by default a quarter of the sink's max_allowed_packet, at most 4 MiB. */
  batchBytes: z.number().int().min(4096).optional(),
};

/** The resolved MySQL sink: its URL holds the password and TLS parameters. */
export const MysqlSinkConfig = z.object({ ...mysqlSinkOptions, url: mysqlUrl }).strict();
/** A MySQL sink in a job file. */
export const MysqlSinkFile = z.object({ ...mysqlSinkOptions, ...mysqlEndpointFields }).strict();

/** A MySQL source (the only form job files had, so "type" may be left out). */
export const MysqlSourceConfig = z.object({ type: z.literal('mysql').optional(), url: mysqlUrl }).strict();
export const MysqlSourceFile = z.object({ type: z.literal('mysql').optional(), ...mysqlEndpointFields }).strict();

export const mysqlSourceRules: SourceRules = {
  checkFile: (source, ctx) => checkMysqlEndpoint(source as z.infer<typeof MysqlSourceFile>, ['source'], ctx),
};

export const mysqlSinkRules: SinkRules = {
  title: 'MySQL/MariaDB',
  mysqlUrl: (sink) => (sink as z.infer<typeof MysqlSinkConfig>).url,
  checkFile: (sink, ctx) => checkMysqlEndpoint(sink as z.infer<typeof MysqlSinkFile>, ['sink'], ctx),
};
