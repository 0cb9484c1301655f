// The deferred-objects step: the triggers, routines and events held back during the copy are created on
// the sink (objects already there are left alone and counted as existing, so a rerun after a crash creates
// only what is missing). The crash hook marks the point after the first object was created.
import type { DeferredObject } from '../../shared/cutover.js';
import type { JobConfig } from '../../shared/job-config.js';
import { mysqlSinkUrl } from '../../shared/job-config.js';
import { connect, parseMysqlUrl } from '../mysql/connection.js';
import type { CrashHook } from './crash-point.js';
import { createDeferred, type DeferredSpec } from './deferred-objects.js';
import type { Outcome } from './freeze-step.js';
import { noDeferredObjects, type StepContext } from './steps.js';

export async function createAll(config: JobConfig, c: StepContext, specs: DeferredSpec[], crash: CrashHook): Promise<Outcome> {
  if (!c.sink.deferredObjects) return { state: 'done', result: { detail: noDeferredObjects(c.sink.title), data: [] } };
  const sink = await connect(parseMysqlUrl(mysqlSinkUrl(config, 'Creating triggers, routines and events')));
  const objects: DeferredObject[] = [];
  try {
    for (const s of specs) {
      objects.push(await createDeferred(sink, s));
      if (objects[objects.length - 1]!.state === 'created') crash('deferred:during');
    }
  } finally {
    await sink.end().catch(() => undefined);
  }
  const count = (st: DeferredObject['state']): number => objects.filter((o) => o.state === st).length;
  const failed = count('failed');
  const detail = objects.length
    ? `${count('created')} created, ${count('exists')} already on the sink${failed ? `, ${failed} failed` : ''} (of ${objects.length}).`
    : 'The source has no triggers, routines or events for these tables.';
  return {
    state: failed ? 'failed' : 'done',
    result: {
      detail,
      fix: failed ? 'Create the failed objects by hand (each error is listed), or fix the cause and run this step again.' : null,
      facts: { created: count('created'), existing: count('exists'), failed },
      data: objects,
    },
  };
}
