import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { naturalCompare, naturalSort } from '../../shared/natural-sort.js';

describe('natural sort of table names', () => {
  it('orders digit runs by value: t1, t2, … t10', () => {
    assert.deepEqual(
      naturalSort(['shop.t10', 'shop.t2', 'shop.t1', 'crm.a', 'shop.T3', 'shop.t1_old'], (s) => s),
      ['crm.a', 'shop.t1', 'shop.t1_old', 'shop.t2', 'shop.T3', 'shop.t10'],
    );
    assert.ok(naturalCompare('t9', 't10') < 0);
    assert.ok(naturalCompare('T', 't') !== 0, 'a total order: names that differ in case do not tie');
  });
});
