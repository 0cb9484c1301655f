// Connections to the PostgreSQL sink: one pg.Client per purpose, each in a UTC session that sends
// floats in their shortest exact form and takes UTF-8.
import pg from 'pg';
import { CutoverError } from '../../../shared/errors.js';
import type { JobConfig, PostgresSinkConfig } from '../../../shared/job-config.js';
import { postgresLabel } from './descriptor.js';

export type PgClient = pg.Client;

/** The job's PostgreSQL sink settings (a CutoverError when the job's sink is another kind). */
export function postgresSinkOf(cfg: Pick<JobConfig, 'sink'>, what: string): PostgresSinkConfig {
  if (cfg.sink.type === 'postgres') return cfg.sink;
  throw new CutoverError(`${what} needs a PostgreSQL sink; this job's sink is ${cfg.sink.type}.`, 'Use a job with "sink": {"type": "postgres", …} for this.', 'CONFIG');
}

export async function connectPg(url: string): Promise<PgClient> {
  const c = new pg.Client({ connectionString: url, application_name: 'cutover' });
  try {
    await c.connect();
    await c.query("SET TIME ZONE 'UTC'; SET extra_float_digits = 3; SET client_encoding = 'UTF8'");
  } catch (e) {
    await c.end().catch(() => undefined);
    throw new CutoverError(
      `Cannot connect to the PostgreSQL sink at ${postgresLabel(url)}: ${(e as Error).message}`,
      'Check the URL (postgres://user:password@host:5432/dbname, sslmode=… as a query parameter), that the server runs and accepts this user, then run again.',
    );
  }
  c.on('error', () => undefined); // a dropped connection fails the query in flight; no unhandled 'error' event
  return c;
}

/** A quoted PostgreSQL identifier: always quoted, so names keep their case and reserved words work. */
export function pgId(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

export function pgTable(ref: { db: string; table: string }): string {
  return `${pgId(ref.db)}.${pgId(ref.table)}`;
}

/** A PostgreSQL string literal (standard_conforming_strings on: only ' doubles). */
export function pgString(s: string): string {
  return "'" + s.replace(/'/g, "''") + "'";
}
