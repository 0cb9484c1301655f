// The write freeze's rules per server (MySQL's super_read_only path is tested here: no MySQL server runs in
// the tests), matching processlist sessions to accounts, and the report's proof lines: a pass or a proven
// freeze is said only when the checklist recorded it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CutoverState, CutoverStep } from '../../shared/cutover.js';
import type { VerifyReport } from '../../shared/verify.js';
import { bypassPrivileges, freezeStatement, hostMatches, revokeStatement, splitGrantee, thawStatement } from '../../engine/source/mysql/freeze.js';
import { parseServerVersion } from '../../engine/mysql/server-info.js';
import { proofLines } from '../../engine/cutover/report.js';

const mysql84 = parseServerVersion('8.4.0');
const mysql57 = parseServerVersion('5.7.44-log');
const mysql56 = parseServerVersion('5.6.51');
const maria1011 = parseServerVersion('10.11.6-MariaDB-0+deb12u1');
const maria106 = parseServerVersion('10.6.18-MariaDB');
const maria104 = parseServerVersion('10.4.34-MariaDB');

test('MySQL freezes with super_read_only, which no account bypasses; MariaDB with read_only', () => {
  assert.equal(freezeStatement(mysql84), 'SET GLOBAL super_read_only = ON');
  assert.equal(freezeStatement(mysql57), 'SET GLOBAL super_read_only = ON');
  assert.equal(freezeStatement(mysql56), 'SET GLOBAL read_only = ON', 'super_read_only came with 5.7');
  assert.equal(freezeStatement(maria1011), 'SET GLOBAL read_only = ON');
  assert.deepEqual(bypassPrivileges(mysql84), []);
  assert.deepEqual(bypassPrivileges(mysql56), ['SUPER']);
});

test('MariaDB: which privilege bypasses read_only depends on the version', () => {
  assert.deepEqual(bypassPrivileges(maria1011), ['READ_ONLY ADMIN'], '10.11 took READ_ONLY ADMIN out of SUPER');
  assert.deepEqual(bypassPrivileges(maria106), ['SUPER', 'READ_ONLY ADMIN']);
  assert.deepEqual(bypassPrivileges(maria104), ['SUPER']);
  assert.equal(revokeStatement("'app'@'%'", 'READ_ONLY ADMIN'), "REVOKE READ_ONLY ADMIN ON *.* FROM 'app'@'%'");
});

test('undo sets back exactly what the freeze changed', () => {
  assert.deepEqual(thawStatement(mysql84, { readOnly: false, superReadOnly: false }), ['SET GLOBAL super_read_only = OFF', 'SET GLOBAL read_only = OFF']);
  assert.deepEqual(thawStatement(mysql84, { readOnly: true, superReadOnly: false }), ['SET GLOBAL super_read_only = OFF'], 'read_only was on before: it stays on');
  assert.deepEqual(thawStatement(mysql84, { readOnly: true, superReadOnly: true }), []);
  assert.deepEqual(thawStatement(maria1011, { readOnly: false, superReadOnly: false }), ['SET GLOBAL read_only = OFF']);
  assert.deepEqual(thawStatement(maria1011, { readOnly: true, superReadOnly: false }), []);
});

test('processlist sessions are matched to accounts by user and host pattern', () => {
  assert.deepEqual(splitGrantee("'app'@'%'"), ['app', '%']);
  assert.deepEqual(splitGrantee("'o''brien'@'10.0.%'"), ["o'brien", '10.0.%']);
  assert.equal(hostMatches('%', '10.1.2.3:51234'), true);
  assert.equal(hostMatches('10.0.%', '10.0.7.1:4000'), true);
  assert.equal(hostMatches('10.0.%', '10.1.7.1:4000'), false);
  assert.equal(hostMatches('localhost', 'localhost'), true);
  assert.equal(hostMatches('localhost', '127.0.0.1:3999'), true);
  assert.equal(hostMatches('db_1', 'dbx1'), true, '_ is any one character');
  assert.equal(hostMatches('a.b', 'axb'), false, 'a dot is a dot');
});

function step(id: CutoverStep['id'], state: CutoverStep['state'], facts: CutoverStep['facts'] = {}): CutoverStep {
  return { id, title: id, description: '', state, optional: false, needsConfirmation: false, canUndo: false, blockedBy: null, startedAt: 1, finishedAt: 2, operator: 'op@h', detail: null, fix: null, rollback: '', facts };
}

function cutover(steps: CutoverStep[]): CutoverState {
  return { job: 'j', source: 's', sinkType: 'mysql', lagThresholdSeconds: 5, lagSeconds: null, steps, deferred: [], deferredSource: 'step', deferredError: null, openTransactions: [], bypass: null, switched: true, complete: false };
}

const passed = { id: 7, state: 'pass', finishedAt: Date.UTC(2026, 0, 1) } as unknown as VerifyReport;

test('the report says proven and pass only for what the checklist recorded', () => {
  const freeze = step('read-only', 'done', { freezePosition: 'bin.000002:900', statement: 'SET GLOBAL read_only = ON', lastWriteBefore: 'bin.000002:850', watchedTo: 'bin.000002:1200' });
  const fence = step('fence', 'done', { position: 'bin.000002:1300', appliedPosition: 'bin.000002:1300', drainPosition: 'bin.000002:1400', stoppedAt: '2026-01-01T00:00:00Z' });
  const all = [step('lag', 'done'), freeze, fence, step('verify', 'done', { verificationId: 7 }), step('deferred', 'done'), step('report', 'done')];
  const lines = proofLines({ state: cutover(all), verification: passed });
  assert.match(lines[0]!, /Write freeze: \*\*proven\*\*\. Read-only from bin\.000002:900 .*last write to the job’s tables before it: bin\.000002:850; none after it/);
  assert.match(lines[1]!, /written at bin\.000002:1300, applied by the sink at bin\.000002:1300; the stream drained to bin\.000002:1400/);
  assert.match(lines[2]!, /Final verification: \*\*pass\*\* \(verification 7/);
  assert.equal(lines[3], 'Checklist: every step done.');

  const failedFreeze = proofLines({ state: cutover([step('lag', 'done'), step('read-only', 'failed', { writesAfterFreeze: 6 }), step('fence', 'pending'), step('verify', 'pending'), step('deferred', 'pending'), step('report', 'pending')]), verification: passed });
  assert.match(failedFreeze[0]!, /\*\*not proven\*\* \(step failed: 6 write\(s\) after read-only\)/);
  assert.match(failedFreeze[1]!, /\*\*not done\*\*/);
  assert.match(failedFreeze[2]!, /\*\*not proven\*\* — the latest run \(verification 7\) is pass, and the checklist's step is pending/, 'a pass made before the switch is not the final verification');
  assert.match(failedFreeze[3]!, /\*\*not complete\*\*/);
  const other = proofLines({ state: cutover(all.map((s) => (s.id === 'verify' ? step('verify', 'done', { verificationId: 6 }) : s))), verification: passed });
  assert.match(other[2]!, /not proven/, 'another run than the step recorded');
});
