// The arguments of every API method, validated by the engine host before it runs anything: the
// renderer is untrusted input like any other (a web page could be talking to `cutover ui`).
import { z } from 'zod';
import type { ApiMethod } from './api.js';

const job = z.string().min(1).max(200);
const table = z.string().min(1).max(400);
const level = z.enum(['debug', 'info', 'warn', 'error']);

export const API_ARGS = {
  info: z.tuple([]),
  listJobs: z.tuple([]),
  jobStatus: z.tuple([job]),
  jobConfig: z.tuple([job]),
  openJob: z.tuple([z.strictObject({ text: z.string().max(4 * 1024 * 1024), fileName: z.string().max(500).optional() })]),
  start: z.tuple([job]),
  pause: z.tuple([job]),
  resume: z.tuple([job, z.strictObject({ skipDdl: z.boolean().optional() }).optional()]),
  stop: z.tuple([job]),
  retryTable: z.tuple([job, table]),
  recopyTable: z.tuple([job, table]),
  history: z.tuple([job, z.strictObject({ sinceTs: z.number().int().nonnegative().optional(), maxPoints: z.number().int().min(10).max(20000).optional() }).optional()]),
  logs: z.tuple([
    z.strictObject({
      job: job.optional(),
      minLevel: level.optional(),
      search: z.string().max(500).optional(),
      afterId: z.number().int().nonnegative().optional(),
      limit: z.number().int().min(1).max(5000).optional(),
    }),
  ]),
  errors: z.tuple([job.optional()]),
  dismissError: z.tuple([z.number().int().positive()]),
  startDemo: z.tuple([]),
} satisfies Record<ApiMethod, z.ZodType>;

export function isApiMethod(m: string): m is ApiMethod {
  return Object.hasOwn(API_ARGS, m);
}

export const API_METHODS = Object.keys(API_ARGS) as ApiMethod[];
