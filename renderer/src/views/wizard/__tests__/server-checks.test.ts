// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { prettyJson } from '../KafkaMapping';
import { filtersToCheck, knownServerErrors, testFailureMessage } from '../useServerChecks';
import { readyDraft } from '../../__tests__/fixtures';

describe('server checks', () => {
  it('describes a failed connection test with its stage and fix', () => {
    expect(testFailureMessage({ ok: false, stage: 'ssh', message: 'Host key mismatch.', fix: 'Pin the new key if it is expected.' })).toBe(
      'The connection test failed at the ssh tunnel stage: Host key mismatch. What to do: Pin the new key if it is expected.',
    );
    expect(testFailureMessage({ ok: false, message: 'Boom.' })).toBe('The connection test failed: Boom.');
  });

  it('checks the non-empty filters of selected tables only', () => {
    const d = readyDraft((x) => ({ ...x, mapping: { ...x.mapping, where: { 'shop.orders': 'id > 1', 'shop.other': 'x', 'shop.blank': '  ' } } }));
    expect(filtersToCheck(d)).toEqual([['shop.orders', 'id > 1']]);
  });

  it('keeps a known error next to its field while the value is the one checked', () => {
    const d = readyDraft((x) => ({ ...x, mapping: { ...x.mapping, where: { 'shop.orders': 'nope' } } }));
    const checks = {
      tests: { source: { profile: 'src', result: { ok: false, message: 'Access denied.' } } },
      filters: { 'shop.orders': { where: 'nope', error: "Unknown column 'nope'" } },
    };
    expect(knownServerErrors('source', d, checks).map((e) => e.field)).toEqual(['source.profile']);
    expect(knownServerErrors('source', { ...d, source: { profile: 'other' } }, checks)).toEqual([]);
    expect(knownServerErrors('mapping', d, checks)[0]?.message).toContain("Unknown column 'nope'");
    const edited = { ...d, mapping: { ...d.mapping, where: { 'shop.orders': 'id > 1' } } };
    expect(knownServerErrors('mapping', edited, checks)).toEqual([]);
  });

  it('pretty-prints JSON messages and leaves other text alone', () => {
    expect(prettyJson('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyJson('not json')).toBe('not json');
    expect(prettyJson(null)).toBe('null');
  });
});
