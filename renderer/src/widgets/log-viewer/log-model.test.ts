// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../../../shared/api.js';
import { formatLogFile, formatLogLine, logFileName, matchesLine, mergeLines } from './log-model.js';

const line = (id: number, over: Partial<LogLine> = {}): LogLine => ({
  id,
  ts: Date.UTC(2026, 10, 22, 8, 40, 5, 123),
  level: 'info',
  job: 'shop',
  table: null,
  message: `line ${id}`,
  ...over,
});

describe('matchesLine', () => {
  it('filters by minimum level', () => {
    const f = { minLevel: 'warn' as const, search: '' };
    expect(matchesLine(line(1, { level: 'debug' }), f)).toBe(false);
    expect(matchesLine(line(1, { level: 'info' }), f)).toBe(false);
    expect(matchesLine(line(1, { level: 'warn' }), f)).toBe(true);
    expect(matchesLine(line(1, { level: 'error' }), f)).toBe(true);
  });
  it('filters by job when given', () => {
    expect(matchesLine(line(1, { job: 'other' }), { job: 'shop', minLevel: 'debug', search: '' })).toBe(false);
    expect(matchesLine(line(1, { job: null }), { job: 'shop', minLevel: 'debug', search: '' })).toBe(false);
    expect(matchesLine(line(1, { job: 'other' }), { minLevel: 'debug', search: '' })).toBe(true);
  });
  it('searches message and table, case-insensitively', () => {
    const f = { minLevel: 'debug' as const, search: 'DEADLOCK' };
    expect(matchesLine(line(1, { message: 'Deadlock found when trying to get lock' }), f)).toBe(true);
    expect(matchesLine(line(1, { message: 'fine' }), f)).toBe(false);
    expect(matchesLine(line(1, { table: 'shop.orders' }), { minLevel: 'debug', search: 'orders' })).toBe(true);
    expect(matchesLine(line(1), { minLevel: 'debug', search: '   ' })).toBe(true);
  });
});

describe('mergeLines', () => {
  it('unions by id, sorted, without duplicates', () => {
    const m = mergeLines([line(1), line(3)], [line(2), line(3), line(4)]);
    expect(m.map((l) => l.id)).toEqual([1, 2, 3, 4]);
  });
  it('keeps only the newest max lines', () => {
    const a = Array.from({ length: 4990 }, (_, i) => line(i + 1));
    const b = Array.from({ length: 20 }, (_, i) => line(5000 + i));
    const m = mergeLines(a, b);
    expect(m).toHaveLength(5000);
    expect(m[0]!.id).toBe(11);
    expect(m[m.length - 1]!.id).toBe(5019);
    expect(mergeLines([line(1), line(2), line(3)], [], 2).map((l) => l.id)).toEqual([2, 3]);
  });
  it('returns the same array when nothing changes', () => {
    const a = [line(1), line(2)];
    expect(mergeLines(a, [])).toBe(a);
  });
});

describe('export format', () => {
  it('formats one line as ISO time, level, table, message', () => {
    expect(formatLogLine(line(1, { level: 'warn', table: 'db.table', message: 'message' }))).toBe(
      '2026-11-22T08:40:05.123Z WARN [db.table] message',
    );
    expect(formatLogLine(line(1, { message: 'no table' }))).toBe('2026-11-22T08:40:05.123Z INFO no table');
  });
  it('joins lines with a trailing newline and keeps multi-line messages', () => {
    const text = formatLogFile([line(1, { message: 'a\nb' }), line(2, { level: 'error', message: 'c' })]);
    expect(text).toBe('2026-11-22T08:40:05.123Z INFO a\nb\n2026-11-22T08:40:05.123Z ERROR c\n');
    expect(formatLogFile([])).toBe('');
  });
  it('names the file after the job and the time', () => {
    expect(logFileName('shop', Date.UTC(2026, 10, 22, 8, 40, 5))).toBe('cutover-shop-20261122-084005.log');
    expect(logFileName(undefined, 0)).toBe('cutover-all-jobs-19700101-000000.log');
    expect(logFileName('a/b c', 0)).toBe('cutover-a_b_c-19700101-000000.log');
  });
});
