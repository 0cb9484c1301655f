// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { keyText, tableVerdict } from '../VerifyTable';
import { verifyTable } from '../../__tests__/fixtures';

describe('verification texts', () => {
  it('writes a row key as column = value, NULL for SQL NULL', () => {
    expect(keyText({ tenant: 'eu', id: '42' })).toBe('tenant = eu, id = 42');
    expect(keyText({ id: null })).toBe('id = NULL');
  });

  it('says per table: match, N rows differ (more than N when truncated), error, comparing', () => {
    const m = { key: { id: '1' }, hex: ['31'], kind: 'missing' as const };
    expect(tableVerdict(verifyTable('a'))).toBe('match');
    expect(tableVerdict(verifyTable('a', { state: 'mismatch', mismatches: [m] }))).toBe('1 row differs');
    expect(tableVerdict(verifyTable('a', { state: 'mismatch', mismatches: [m, m, m] }))).toBe('3 rows differ');
    expect(tableVerdict(verifyTable('a', { state: 'mismatch', mismatches: [m], truncated: true }))).toBe('more than 1 rows differ');
    expect(tableVerdict(verifyTable('a', { state: 'error', error: 'x' }))).toBe('error');
    expect(tableVerdict(verifyTable('a', { state: 'running' }))).toBe('comparing…');
    expect(tableVerdict(verifyTable('a', { state: 'pending' }))).toBe('waiting');
  });
});
