import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { coverageOf, keylessRepairBlock, verifiedState, type VerifyRunSummary, type VerifyTableResult } from '../../shared/verify.js';

const run = (over: Partial<VerifyRunSummary>): VerifyRunSummary => ({
  id: 1, state: 'pass', startedAt: 0, finishedAt: 1, covered: 'all', repairOf: null, tables: 5, matched: 5, mismatched: 0, errors: 0, mismatchedRows: 0, ...over,
});

describe('verification history: what a run covered and whether the job is verified', () => {
  it('a full run that passed verifies the job; a repair re-check that passed rests on the full run it repaired', () => {
    assert.deepEqual(verifiedState([]), { verified: false, full: null });
    const full = run({ id: 3, state: 'fail', matched: 4, mismatched: 1, mismatchedRows: 2 });
    assert.equal(verifiedState([full]).verified, false);
    const recheck = run({ id: 4, covered: 'some', repairOf: 3, tables: 1, matched: 1 });
    const v = verifiedState([recheck, full]);
    assert.equal(v.verified, true);
    assert.equal(v.full?.id, 3, 'the proof names the full run, not "1 of 1 tables"');
    // A second repair of the first re-check's leftovers still leads back to the full run.
    const recheck2 = run({ id: 6, covered: 'some', repairOf: 5, tables: 1, matched: 1 });
    const failedRecheck = run({ id: 5, state: 'fail', covered: 'some', repairOf: 3, tables: 1, matched: 0, mismatched: 1 });
    assert.equal(verifiedState([recheck2, failedRecheck, full]).full?.id, 3);
    assert.equal(verifiedState([recheck2, failedRecheck, full]).verified, true);
  });

  it('a run of selected tables alone does not verify the job; a full run with errors cannot be completed by a repair', () => {
    assert.equal(verifiedState([run({ id: 2, covered: 'some', tables: 2, matched: 2 })]).verified, false);
    const withError = run({ id: 3, state: 'fail', matched: 3, mismatched: 1, errors: 1 });
    assert.equal(verifiedState([run({ id: 4, covered: 'some', repairOf: 3, tables: 1, matched: 1 }), withError]).verified, false);
  });

  it('older reports without "covered": a repair re-check covered some tables, any other run all', () => {
    assert.equal(coverageOf({ repairOf: 3 }), 'some');
    assert.equal(coverageOf({ repairOf: null }), 'all');
    assert.equal(coverageOf({ repairOf: null, covered: 'some' }), 'some');
  });

  it('says before any confirmation why a keyless table cannot be repaired while the job runs', () => {
    const t = (table: string, keyless: boolean, state: VerifyTableResult['state']) => ({ table, keyless, state }) as VerifyTableResult;
    const tables = [t('shop.orders', false, 'mismatch'), t('shop.events', true, 'mismatch'), t('shop.log', true, 'match')];
    assert.equal(keylessRepairBlock({ tables }, false), null);
    assert.match(keylessRepairBlock({ tables }, true)!, /^shop\.events has no primary or unique key: .*Pause the job, then repair\.$/);
    assert.equal(keylessRepairBlock({ tables: tables.filter((x) => !x.keyless) }, true), null);
  });
});
