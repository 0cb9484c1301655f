// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { anyRunning, nextStep, progressText } from '../cutover-model';
import { cutoverState } from '../../__tests__/fixtures';

describe('cutover model', () => {
  it('knows the next step, whether one runs, and how far the list is', () => {
    const s = cutoverState({ lag: { state: 'done' }, 'read-only': { state: 'skipped' }, fence: { state: 'running' } });
    expect(nextStep(s)?.id).toBe('fence');
    expect(anyRunning(s)).toBe(true);
    expect(progressText(s)).toBe('2 of 6 steps done');
    expect(anyRunning(cutoverState())).toBe(false);
  });
});
