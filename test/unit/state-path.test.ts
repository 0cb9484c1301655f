// Which state file a command uses: --state, CUTOVER_STATE, the per-user one; the demo never the operator's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoStatePath, resolveStatePath, uiStatePath } from '../../engine/state/default-path.js';

const env = { XDG_CONFIG_HOME: '/home/dba/.config' } as NodeJS.ProcessEnv;

test('cutover ui --demo uses the demo\'s own state file, not the operator\'s', () => {
  assert.equal(resolveStatePath(undefined, env), '/home/dba/.config/Cutover/state.db');
  assert.equal(demoStatePath(env, 'linux'), '/home/dba/.config/Cutover/demo/state.db');
  assert.equal(uiStatePath(undefined, true, env), demoStatePath(env));
  assert.notEqual(uiStatePath(undefined, true, env), resolveStatePath(undefined, env));
  // Not even when CUTOVER_STATE names the operator's file.
  const withVar = { ...env, CUTOVER_STATE: '/srv/cutover/state.db' } as NodeJS.ProcessEnv;
  assert.equal(uiStatePath(undefined, true, withVar), demoStatePath(withVar));
  // Without --demo, and with an explicit --state, nothing changes.
  assert.equal(uiStatePath(undefined, false, withVar), '/srv/cutover/state.db');
  assert.equal(uiStatePath(undefined, false, env), '/home/dba/.config/Cutover/state.db');
  assert.equal(uiStatePath('/tmp/mine.db', true, withVar), '/tmp/mine.db');
});
