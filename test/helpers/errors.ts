// The CutoverError a call throws (the test fails when it throws nothing, or something else).
import assert from 'node:assert/strict';
import { CutoverError } from '../../shared/errors.js';

export function errorOf(fn: () => unknown): CutoverError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CutoverError, `expected a CutoverError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}
