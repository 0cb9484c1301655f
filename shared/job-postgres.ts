// A PostgreSQL sink in a job file and in the resolved job. shared/job-config.ts puts the endpoints together.
import { z } from 'zod';
import { profileName } from './job-endpoints.js';
import type { SinkRules } from './job-rules.js';

/** A postgres:// URL (sslmode and the other libpq parameters go in its query string). */
export const postgresUrl = z.string().regex(/^postgres(?:ql)?:\/\/[^/]+\/[^/?]+/, { message: 'must be a URL like postgres://user:password@host:5432/dbname' });

const postgresSinkOptions = {
  type: z.literal('postgres'),
  /** A value PostgreSQL cannot hold (a zero date, a NUL byte in text): stop the copy naming it, or write NULL / -infinity / MySQL's text. */
  unholdable: z.enum(['stop', 'null', '-infinity', 'text']).default('stop'),
  /** PostgreSQL types by source column ("db.table.column": "text"), taken as written instead of the type rules. */
  types: z.record(z.string().regex(/^[^.]+\.[^.]+\.[^.]+$/, { message: 'must be "db.table.column"' }), z.string().min(1).max(200)).default({}),
  /** Bytes of source data per COPY (one transaction); default 4 MiB. */
  batchBytes: z.number().int().min(4096).optional(),
};

/** The resolved PostgreSQL sink: its URL holds the password. */
export const PostgresSinkConfig = z.object({ ...postgresSinkOptions, url: postgresUrl }).strict();
/** A PostgreSQL sink in a job file: a URL, its password inline or from an environment variable; or a saved profile. */
export const PostgresSinkFile = z
  .object({
    ...postgresSinkOptions,
    url: postgresUrl.optional(),
    /** A saved PostgreSQL connection profile (its password and TLS settings), instead of "url". */
    profile: profileName.optional(),
    /** The password, from this environment variable (the URL then has none). */
    passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be an environment variable name such as CUTOVER_SINK_PASSWORD' }).optional(),
  })
  .strict();

export const postgresSinkRules: SinkRules = {
  title: 'PostgreSQL',
  checkFile(sink, ctx) {
    const s = sink as z.infer<typeof PostgresSinkFile>;
    if (!s.url === !s.profile)
      ctx.addIssue({ code: 'custom', path: ['sink'], message: s.url ? 'has both "url" and "profile"' : 'needs "url" or "profile"', params: { fix: 'Give "url": "postgres://user@host:5432/dbname" (with "passwordEnv"), or "profile": "<a saved PostgreSQL profile>".' } });
    else if (s.profile && s.passwordEnv)
      ctx.addIssue({ code: 'custom', path: ['sink', 'passwordEnv'], message: 'a profile carries its own password', params: { fix: 'Remove "passwordEnv", or use "url" instead of "profile".' } });
    else if (s.url && s.passwordEnv && /^[^:]+:\/\/[^/@]*:[^/@]*@/.test(s.url))
      ctx.addIssue({ code: 'custom', path: ['sink', 'passwordEnv'], message: 'the URL already holds a password', params: { fix: 'Remove the password from the URL (postgres://user@host:5432/db), or remove "passwordEnv".' } });
  },
};
