// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { buildTimeline, phaseStep } from '../timeline';

const states = (mode: string, phase: string, state = 'running') => Object.fromEntries(buildTimeline(mode, phase, state).map((s) => [s.id, s.state]));

describe('phase timeline', () => {
  it('maps the engine phases onto the steps', () => {
    expect(['preflight', 'schema', 'copying', 'views', 'catching-up', 'streaming', 'done', 'pending'].map(phaseStep)).toEqual([
      'preflight',
      'copy',
      'copy',
      'copy',
      'catching-up',
      'streaming',
      null,
      null,
    ]);
  });

  it('marks earlier steps done and the current one in progress', () => {
    expect(states('snapshot+stream', 'schema')).toEqual({
      preflight: 'done',
      copy: 'current',
      'catching-up': 'pending',
      streaming: 'pending',
      verified: 'pending',
      cutover: 'pending',
    });
    expect(states('snapshot+stream', 'streaming')).toMatchObject({ preflight: 'done', copy: 'done', 'catching-up': 'done', streaming: 'current' });
    expect(states('snapshot+stream', 'pending', 'idle')).toMatchObject({ preflight: 'pending', copy: 'pending' });
  });

  it('a finished snapshot job has its copy done and no stream steps', () => {
    expect(states('snapshot', 'done', 'done')).toEqual({
      preflight: 'done',
      copy: 'done',
      'catching-up': 'skipped',
      streaming: 'skipped',
      verified: 'pending',
      cutover: 'pending',
    });
  });

  it('a stream-only job skips the copy', () => {
    expect(states('stream', 'catching-up')).toMatchObject({ preflight: 'done', copy: 'skipped', 'catching-up': 'current', streaming: 'pending' });
    const steps = buildTimeline('stream', 'streaming', 'running');
    expect(steps.find((s) => s.id === 'copy')?.note).toBe('stream-only job');
    expect(steps.find((s) => s.id === 'verified')?.note).toBe('not verified yet');
  });

  it('marks Verified done when the latest verification passed, and Cut over when the assistant is complete', () => {
    const proof = (verification: string | null, cutover: 'complete' | 'started' | null) =>
      Object.fromEntries(buildTimeline('snapshot+stream', 'streaming', 'running', { verification, cutover }).map((s) => [s.id, [s.state, s.note ?? null]]));
    expect(proof(null, null)).toMatchObject({ verified: ['pending', 'not verified yet'], cutover: ['pending', null] });
    expect(proof('running', null)).toMatchObject({ verified: ['current', 'verifying'] });
    expect(proof('fail', 'started')).toMatchObject({ verified: ['pending', 'differences found'], cutover: ['current', 'in progress'] });
    expect(proof('error', null)).toMatchObject({ verified: ['pending', 'last run: error'] });
    expect(proof('pass', 'complete')).toMatchObject({ verified: ['done', null], cutover: ['done', null] });
  });
});
