import { describe, expect, it } from 'vitest';
import { anyRunning, describeSource, nextStep, progressText, urlWithoutPassword } from '../cutover-model';
import { cutoverState } from '../../__tests__/fixtures';

describe('cutover model', () => {
  it('names the source without its password', () => {
    expect(urlWithoutPassword('mysql://root:s3cret@db.example.com:3306/shop')).toBe('root@db.example.com:3306');
    expect(urlWithoutPassword('mariadb://db:3307')).toBe('db:3307');
    expect(urlWithoutPassword('http://x')).toBeNull();
    expect(describeSource('{"source":{"url":"mysql://u:p@h:1"}}')).toBe('u@h:1');
    expect(describeSource('{"source":{"profile":"prod-db"}}')).toBe('the saved connection "prod-db"');
    expect(describeSource('not json')).toBeNull();
  });

  it('knows the next step, whether one runs, and how far the list is', () => {
    const s = cutoverState({ lag: { state: 'done' }, 'read-only': { state: 'skipped' }, fence: { state: 'running' } });
    expect(nextStep(s)?.id).toBe('fence');
    expect(anyRunning(s)).toBe(true);
    expect(progressText(s)).toBe('2 of 6 steps done');
    expect(anyRunning(cutoverState())).toBe(false);
  });
});
