// Pure helpers of the cutover assistant: whether to poll, and how far the checklist is.
import type { CutoverState, CutoverStep } from '../../../../shared/cutover';

export const anyRunning = (s: CutoverState | null | undefined): boolean => !!s?.steps.some((x) => x.state === 'running');

/** Which step to do next: the first that is neither done nor skipped. */
export function nextStep(s: CutoverState): CutoverStep | null {
  return s.steps.find((x) => x.state !== 'done' && x.state !== 'skipped') ?? null;
}

/** "3 of 6 steps done" (skipped steps count as settled). */
export function progressText(s: CutoverState): string {
  const settled = s.steps.filter((x) => x.state === 'done' || x.state === 'skipped').length;
  return `${settled} of ${s.steps.length} steps done`;
}
