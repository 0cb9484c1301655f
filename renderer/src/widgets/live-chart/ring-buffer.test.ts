import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPACITY, MetricRing, TimeSeriesRing } from './ring-buffer.js';

function filled(capacity: number, from: number, to: number): TimeSeriesRing {
  const r = new TimeSeriesRing(capacity, 2);
  for (let t = from; t <= to; t++) r.push(t, [t * 10, t % 2 === 0 ? null : t]);
  return r;
}

describe('TimeSeriesRing', () => {
  it('rejects a bad capacity', () => {
    expect(() => new TimeSeriesRing(0, 1)).toThrow(RangeError);
    expect(() => new TimeSeriesRing(1.5, 1)).toThrow(RangeError);
    expect(() => new TimeSeriesRing(4, 0)).toThrow(RangeError);
  });

  it('starts empty', () => {
    const r = new TimeSeriesRing(4, 1);
    expect(r.length).toBe(0);
    expect(r.firstTs).toBeNull();
    expect(r.lastTs).toBeNull();
    expect(r.latest(0)).toBeNull();
    expect(r.slice().ts.length).toBe(0);
    expect(r.lowerBound(5)).toBe(0);
  });

  it('stores samples in order, null and non-finite as NaN', () => {
    const r = new TimeSeriesRing(8, 2);
    r.push(1, [10, null]);
    r.push(2, [20, 5]);
    r.push(3, [Infinity, undefined]);
    expect(r.length).toBe(3);
    expect([r.tsAt(0), r.tsAt(1), r.tsAt(2)]).toEqual([1, 2, 3]);
    expect(r.valueAt(0, 1)).toBe(20);
    expect(r.valueAt(1, 0)).toBeNaN();
    expect(r.valueAt(0, 2)).toBeNaN();
    expect(r.valueAt(1, 2)).toBeNaN();
    expect(() => r.tsAt(3)).toThrow(RangeError);
    expect(() => r.valueAt(0, -1)).toThrow(RangeError);
  });

  it('drops the oldest when full', () => {
    const r = filled(5, 1, 12);
    expect(r.length).toBe(5);
    expect(r.firstTs).toBe(8);
    expect(r.lastTs).toBe(12);
    expect(Array.from(r.slice().ts)).toEqual([8, 9, 10, 11, 12]);
    expect(Array.from(r.slice().series[0]!)).toEqual([80, 90, 100, 110, 120]);
  });

  it('ignores samples not newer than the newest (overlapping history and events)', () => {
    const r = filled(10, 1, 5);
    expect(r.push(5, [1, 1])).toBe(false);
    expect(r.push(3, [1, 1])).toBe(false);
    expect(r.push(NaN, [1, 1])).toBe(false);
    expect(r.push(6, [60, 6])).toBe(true);
    expect(r.length).toBe(6);
  });

  it('finds bounds by binary search across the wrap point', () => {
    const r = filled(7, 1, 20); // holds 14..20, physically wrapped
    expect(r.lowerBound(0)).toBe(0);
    expect(r.lowerBound(14)).toBe(0);
    expect(r.lowerBound(16.5)).toBe(3);
    expect(r.lowerBound(20)).toBe(6);
    expect(r.lowerBound(21)).toBe(7);
    expect(r.upperBound(16)).toBe(3);
    expect(r.upperBound(20)).toBe(7);
    expect(r.upperBound(13)).toBe(0);
  });

  it('slices a time window inclusively across the wrap point', () => {
    const r = filled(7, 1, 20);
    const s = r.slice(15, 18);
    expect(Array.from(s.ts)).toEqual([15, 16, 17, 18]);
    expect(Array.from(s.series[0]!)).toEqual([150, 160, 170, 180]);
    expect(Array.from(s.series[1]!).map((v) => (Number.isNaN(v) ? null : v))).toEqual([15, null, 17, null]);
    expect(r.slice(100, 200).ts.length).toBe(0);
    expect(r.slice(18, 15).ts.length).toBe(0);
    expect(Array.from(r.slice(19).ts)).toEqual([19, 20]);
  });

  it('returns a copy that later pushes do not change', () => {
    const r = filled(3, 1, 3);
    const s = r.slice();
    r.push(4, [1, 1]);
    expect(Array.from(s.ts)).toEqual([1, 2, 3]);
  });

  it('reports the newest value of a series, skipping gaps', () => {
    const r = new TimeSeriesRing(4, 2);
    r.push(1, [1, 100]);
    r.push(2, [2, null]);
    r.push(3, [3, null]);
    expect(r.latest(0)).toEqual({ ts: 3, value: 3 });
    expect(r.latest(1)).toEqual({ ts: 1, value: 100 });
    r.push(4, [4, null]);
    r.push(5, [5, null]); // the only sample with series 1 is dropped
    expect(r.latest(1)).toBeNull();
    expect(r.hasValues(1)).toBe(false);
    expect(r.hasValues(0)).toBe(true);
  });

  it('clears', () => {
    const r = filled(4, 1, 9);
    r.clear();
    expect(r.length).toBe(0);
    expect(r.lastTs).toBeNull();
    r.push(1, [1, 1]);
    expect(r.length).toBe(1);
  });

  it('keeps a full day at 1 Hz and stays bounded beyond it', () => {
    const r = new MetricRing();
    expect(r.capacity).toBe(DEFAULT_CAPACITY);
    const t0 = 1_700_000_000;
    for (let i = 0; i < DEFAULT_CAPACITY + 1000; i++) r.push(t0 + i, [i, null, 0]);
    expect(r.length).toBe(DEFAULT_CAPACITY);
    expect(r.firstTs).toBe(t0 + 1000);
    expect(r.lastTs).toBe(t0 + DEFAULT_CAPACITY + 999);
    const s = r.slice(r.lastTs! - 299, r.lastTs!);
    expect(s.ts.length).toBe(300);
  });
});

describe('MetricRing', () => {
  it('maps MetricPoint fields to series and sorts a batch', () => {
    const r = new MetricRing(10);
    const kept = r.pushPoints([
      { ts: 3, rowsPerSecond: 30, eventsPerSecond: null, lagSeconds: 1.5 },
      { ts: 1, rowsPerSecond: 10, eventsPerSecond: 2, lagSeconds: null },
      { ts: 2, rowsPerSecond: 20, eventsPerSecond: 3, lagSeconds: 0 },
    ]);
    expect(kept).toBe(3);
    const s = r.slice();
    expect(Array.from(s.ts)).toEqual([1, 2, 3]);
    expect(Array.from(s.series[0]!)).toEqual([10, 20, 30]);
    expect(r.latest(1)).toEqual({ ts: 2, value: 3 });
    expect(r.latest(2)).toEqual({ ts: 3, value: 1.5 });
    expect(r.pushPoints([{ ts: 3, rowsPerSecond: 1, eventsPerSecond: 1, lagSeconds: 1 }])).toBe(0);
  });
});
