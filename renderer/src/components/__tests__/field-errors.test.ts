// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { errorMap, fieldDomId } from '../field-errors';

describe('field errors', () => {
  it('gives every field key a distinct, valid DOM id', () => {
    const keys = ['options.name', 'mapping.where.shop.orders', 'mapping.where.shop.orders ', 'mapping.rename.a b', 'x_y', 'x-y'];
    const ids = keys.map(fieldDomId);
    expect(new Set(ids).size).toBe(keys.length);
    for (const id of ids) expect(id).toMatch(/^f-[A-Za-z0-9_-]+$/);
    expect(fieldDomId('options.name')).toBe('f-options_2e_name');
  });

  it('keeps the first message of each field', () => {
    const m = errorMap([
      { field: 'a', message: 'first' },
      { field: 'b', message: 'other' },
      { field: 'a', message: 'second' },
    ]);
    expect([...m]).toEqual([
      ['a', 'first'],
      ['b', 'other'],
    ]);
  });
});
