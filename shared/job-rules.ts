// What the job schema (shared/job-config.ts) asks of each endpoint type, so that it never decides by a
// type's name: each endpoint's schema module (job-mysql.ts, job-kafka.ts, job-postgres.ts, job-search.ts)
// gives its rules, and job-config.ts looks them up by the endpoint's "type".
import type { z } from 'zod';
import type { DdlPolicy } from './ddl-policy.js';

/** The fields of a job the rules across fields read (either form: job file or resolved). */
export interface JobShape {
  mode: string;
  stream?: { start?: unknown };
  ddl?: DdlPolicy;
  source: { type?: string };
  sink: { type: string };
}

export interface SourceRules {
  /** Rules across fields this source sets (`sink` is the job's sink type's rules). */
  checkJob?(cfg: JobShape, sink: SinkRules, ctx: z.RefinementCtx): void;
  /** The job file's endpoint: where it is given (URL or profile) and its secrets. */
  checkFile(source: object, ctx: z.RefinementCtx): void;
}

export interface SinkRules {
  /** For people, in messages: "Kafka", "PostgreSQL". */
  title: string;
  /** The sink publishes to topics (a Kafka source does not write back to one). */
  topics?: boolean;
  /** The sink's mysql:// URL, when it is a MySQL or MariaDB server. */
  mysqlUrl?(sink: object): string;
  /** Rules across fields this sink sets. */
  checkJob?(cfg: JobShape, ctx: z.RefinementCtx): void;
  /** The job file's endpoint: where it is given (URL or profile) and its secrets. */
  checkFile(sink: object, ctx: z.RefinementCtx): void;
}
