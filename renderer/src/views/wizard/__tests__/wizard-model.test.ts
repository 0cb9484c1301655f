// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { emptyDraft } from '../../../../../shared/wizard';
import { defaultJobName, draftSavable, preflightStale, setEntry, stepMarks, stepOfField, withDefaultName } from '../wizard-model';
import { catalogTable, mysqlProfile, profileSummary, readyDraft, SINK_KINDS } from '../../__tests__/fixtures';

const ctx = { profiles: [profileSummary(mysqlProfile('src')), profileSummary(mysqlProfile('dst'))], catalog: [catalogTable('shop', 'orders')], jobNames: [], sinkKinds: SINK_KINDS };

describe('wizard model', () => {
  it('names the job "<source>-to-<sink>" with job-name characters, unique among the jobs', () => {
    expect(defaultJobName('prod db (eu)', 'new-db', [])).toBe('prod-db-eu-to-new-db');
    expect(defaultJobName('a', null)).toBe('');
    expect(defaultJobName('a', 'b', ['a-to-b', 'a-to-b-2'])).toBe('a-to-b-3');
  });

  it('keeps the name following source and sink until the operator types one', () => {
    const d0 = emptyDraft();
    const d1 = withDefaultName(d0, { ...d0, source: { profile: 'src' }, sink: { profile: 'dst' } }, []);
    expect(d1.options.name).toBe('src-to-dst');
    const d2 = withDefaultName(d1, { ...d1, sink: { profile: 'kafka' } }, []);
    expect(d2.options.name).toBe('src-to-kafka');
    const typed = { ...d2, options: { ...d2.options, name: 'mine' } };
    expect(withDefaultName(typed, { ...typed, sink: { profile: 'dst' } }, []).options.name).toBe('mine');
  });

  it('finds the step of a field', () => {
    expect(['source.profile', 'preflight', 'tables.selected', 'mapping.where.shop.orders', 'options.name', 'other'].map(stepOfField)).toEqual([
      'source',
      'preflight',
      'tables',
      'mapping',
      'options',
      'review',
    ]);
  });

  it('runs the preflight again for another source or when a copy-only report meets a streaming job', () => {
    const d = readyDraft();
    expect(preflightStale(d)).toBe(false);
    expect(preflightStale({ ...d, source: { profile: 'other' } })).toBe(true);
    expect(preflightStale({ ...d, preflight: { ...d.preflight, streaming: false } })).toBe(true);
    expect(preflightStale({ ...d, preflight: { ...d.preflight, streaming: false }, options: { ...d.options, mode: 'snapshot' } })).toBe(false);
  });

  it('saves only drafts whose numbers the engine accepts', () => {
    const d = readyDraft();
    expect(draftSavable(d)).toBe(true);
    expect(draftSavable({ ...d, options: { ...d.options, parallelism: Number.NaN } })).toBe(false);
    expect(draftSavable({ ...d, options: { ...d.options, chunkRows: 2.5 } })).toBe(false);
  });

  it('marks earlier steps done or in error, the current one, and later ones pending', () => {
    const d = { ...readyDraft(), step: 'sink' as const };
    expect(stepMarks(d, ctx, [])).toEqual({ source: 'done', preflight: 'done', tables: 'done', sink: 'current', mapping: 'pending', options: 'pending', review: 'pending' });
    expect(stepMarks({ ...d, tables: { selected: [] } }, ctx, [{ field: 'sink.profile', message: 'x' }])).toMatchObject({ tables: 'error', sink: 'error' });
  });

  it('sets or removes map entries', () => {
    expect(setEntry({ a: 'x' }, 'b', 'y')).toEqual({ a: 'x', b: 'y' });
    expect(setEntry({ a: 'x' }, 'a', '')).toEqual({});
    expect(setEntry<string[]>({ a: ['c'] }, 'a', [], (v) => v.length === 0)).toEqual({});
  });
});
