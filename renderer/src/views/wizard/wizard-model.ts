// Pure helpers of the wizard around shared/wizard.ts: the default job name, where a field lives, what
// the stepper shows, whether the preflight must run again, and whether a draft can be saved as it is.
import { validateStep, WIZARD_STEPS, type FieldError, type WizardContext, type WizardDraft, type WizardStep } from '../../../../shared/wizard';

const slug = (name: string) =>
  name
    .replace(/[^\w.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '');

/** "<source>-to-<sink>" (job-name characters only), made unique among the existing jobs; '' until both are chosen. */
export function defaultJobName(source: string | null, sink: string | null, existing: readonly string[] = []): string {
  if (!source || !sink) return '';
  const base = `${slug(source) || 'source'}-to-${slug(sink) || 'sink'}`.slice(0, 90);
  if (!existing.includes(base)) return base;
  for (let i = 2; ; i++) if (!existing.includes(`${base}-${i}`)) return `${base}-${i}`;
}

/** Keeps the job name following source and sink until the operator types one of their own. */
export function withDefaultName(prev: WizardDraft, next: WizardDraft, existing: readonly string[]): WizardDraft {
  const before = defaultJobName(prev.source.profile, prev.sink.profile, existing);
  const auto = next.options.name === '' || next.options.name === before;
  if (!auto) return next;
  const name = defaultJobName(next.source.profile, next.sink.profile, existing);
  return name === next.options.name ? next : { ...next, options: { ...next.options, name } };
}

/** The step a field is on ("mapping.where.shop.orders" → mapping). */
export function stepOfField(field: string): WizardStep {
  const head = field.split('.')[0] as WizardStep;
  return (WIZARD_STEPS as readonly string[]).includes(head) ? head : 'review';
}

export const isStreaming = (d: WizardDraft): boolean => d.options.mode !== 'snapshot';

/** The preflight must run (again): never ran, ran on another source, or ran for a copy only and the job now streams. */
export function preflightStale(d: WizardDraft): boolean {
  const p = d.preflight;
  return !p.report || p.forProfile !== d.source.profile || (isStreaming(d) && !p.streaming);
}

const COUNT_MAX = 1_000_000_000;
const isCount = (n: number) => Number.isInteger(n) && n >= 0 && n <= COUNT_MAX;

/** The engine's draft schema takes whole numbers only: a half-typed number is kept on screen, saved once it is one. */
export function draftSavable(d: WizardDraft): boolean {
  const o = d.options;
  const k = d.mapping.kafka;
  return [o.parallelism, o.chunkRows, o.maxRowsPerSecond, o.maxThreadsRunning, k.partitions, k.replicationFactor].every(isCount);
}

export type StepMark = 'done' | 'current' | 'error' | 'pending';

/**
 * What the stepper shows: steps before the current one are done, or have errors (validated again, as a
 * later change such as another source can break them); the current one is current, or has errors when
 * a Next was refused; later ones are pending.
 */
export function stepMarks(d: WizardDraft, ctx: WizardContext, shown: readonly FieldError[]): Record<WizardStep, StepMark> {
  const current = WIZARD_STEPS.indexOf(d.step);
  const out = {} as Record<WizardStep, StepMark>;
  WIZARD_STEPS.forEach((s, i) => {
    if (i < current) out[s] = validateStep(s, d, ctx).length ? 'error' : 'done';
    else if (i === current) out[s] = shown.some((e) => stepOfField(e.field) === s) ? 'error' : 'current';
    else out[s] = 'pending';
  });
  return out;
}

/** A string map with the key set, or removed when the value is empty. */
export function setEntry<T>(map: Record<string, T>, key: string, value: T | null | undefined, empty: (v: T) => boolean = (v) => !v): Record<string, T> {
  const next = { ...map };
  if (value === null || value === undefined || empty(value)) delete next[key];
  else next[key] = value;
  return next;
}

/** The set with the value added, or removed when it was there. */
export function toggled<T>(set: ReadonlySet<T>, value: T): Set<T> {
  const next = new Set(set);
  if (!next.delete(value)) next.add(value);
  return next;
}
