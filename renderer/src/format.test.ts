// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatNumber, formatPercent, formatRate, formatTime, formatUtc } from './format.js';

describe('formatNumber', () => {
  it('uses en-US thousands separators', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(999)).toBe('999');
    expect(formatNumber(1234567)).toBe('1,234,567');
    expect(formatNumber(1234567.6)).toBe('1,234,568');
    expect(formatNumber(-9876543)).toBe('-9,876,543');
  });
  it('honours digits', () => {
    expect(formatNumber(1234.5, 1)).toBe('1,234.5');
    expect(formatNumber(2, 2)).toBe('2.00');
    expect(formatNumber(0.126, 2)).toBe('0.13');
  });
  it('never shows -0 and handles non-finite values', () => {
    expect(formatNumber(-0.2)).toBe('0');
    expect(formatNumber(-0.001, 1)).toBe('0.0');
    expect(formatNumber(NaN)).toBe('—');
    expect(formatNumber(Infinity)).toBe('—');
  });
});

describe('formatRate', () => {
  it('formats a rate with its unit', () => {
    expect(formatRate(12345, 'rows/s')).toBe('12,345 rows/s');
    expect(formatRate(12345.7, 'rows/s')).toBe('12,346 rows/s');
    expect(formatRate(0, 'events/s')).toBe('0 events/s');
    expect(formatRate(2.5, 'events/s')).toBe('2.5 events/s');
    expect(formatRate(NaN, 'rows/s')).toBe('— rows/s');
  });
});

describe('formatDuration', () => {
  it('picks the two largest units', () => {
    expect(formatDuration(45)).toBe('45s');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(200)).toBe('3m 20s');
    expect(formatDuration(60)).toBe('1m 00s');
    expect(formatDuration(3900)).toBe('1h 05m');
    expect(formatDuration(3600 * 27 + 60)).toBe('1d 03h');
  });
  it('rounds to whole seconds', () => {
    expect(formatDuration(59.6)).toBe('1m 00s');
    expect(formatDuration(0.4)).toBe('0s');
  });
  it('shows a dash for null and nonsense', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(-1)).toBe('—');
    expect(formatDuration(NaN)).toBe('—');
  });
});

describe('formatBytes', () => {
  it('uses binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1,023 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 ** 2)).toBe('5.0 MiB');
    expect(formatBytes(300 * 1024 ** 2)).toBe('300 MiB');
    expect(formatBytes(3.25 * 1024 ** 3)).toBe('3.3 GiB');
    expect(formatBytes(-2048)).toBe('-2.0 KiB');
  });
});

describe('formatTime and formatUtc', () => {
  it('formats local time with seconds', () => {
    const ms = new Date(2026, 10, 22, 9, 4, 5, 678).getTime();
    expect(formatTime(ms)).toBe('2026-11-22 09:04:05');
  });
  it('formats UTC', () => {
    expect(formatUtc(Date.UTC(2026, 10, 22, 8, 40, 5, 123))).toBe('2026-11-22 08:40:05 UTC');
    expect(formatUtc(0)).toBe('1970-01-01 00:00:00 UTC');
  });
  it('handles non-finite input', () => {
    expect(formatTime(NaN)).toBe('—');
    expect(formatUtc(NaN)).toBe('—');
  });
});

describe('formatPercent', () => {
  it('formats part of a whole', () => {
    expect(formatPercent(1, 4)).toBe('25%');
    expect(formatPercent(4, 4)).toBe('100%');
    expect(formatPercent(0, 4)).toBe('0%');
    expect(formatPercent(1, 40)).toBe('2.5%');
    expect(formatPercent(1, 3)).toBe('33%');
  });
  it('never rounds up to 100% before complete, and clamps', () => {
    expect(formatPercent(999, 1000)).toBe('99%');
    expect(formatPercent(5, 4)).toBe('100%');
    expect(formatPercent(-1, 4)).toBe('0%');
  });
  it('shows a dash when the whole is unknown', () => {
    expect(formatPercent(5, 0)).toBe('—');
    expect(formatPercent(5, NaN)).toBe('—');
  });
});
