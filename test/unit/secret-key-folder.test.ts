// The secret key never lands in a folder other users can use: a state file in a shared folder (as
// /tmp) gets no secret.key there, nor does one in a folder another user owns (checked with a real second
// Unix user); the per-user application-data folder is tightened to 0700; a private folder, or the key
// from CUTOVER_SECRET_KEY, works as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkKeyFolder, SecretBox } from '../../engine/connections/secret-box.js';
import { errorOf } from '../helpers/errors.js';
import { probeUser } from '../helpers/unix-user.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'key-folder-'));
const noEnv = {} as NodeJS.ProcessEnv;

test('a state file in a shared folder (mode 1777, as /tmp) gets no secret key there: refused with the fixes', () => {
  const shared = dir();
  chmodSync(shared, 0o1777);
  const e = errorOf(() => SecretBox.forStatePath(join(shared, 'state.db'), noEnv));
  assert.match(e.message, new RegExp(`The state file's folder ${shared} is not private: other users may use it \\(mode 1777\\)`));
  assert.match(e.fix ?? '', /mkdir -m 700 ~\/cutover/);
  assert.match(e.fix ?? '', new RegExp(`chmod 700 ${shared}`));
  assert.match(e.fix ?? '', /CUTOVER_SECRET_KEY \(openssl rand -base64 32/);
  assert.equal(existsSync(join(shared, 'secret.key')), false, 'no key file was written');
  for (const loose of [0o755, 0o750, 0o711]) {
    chmodSync(shared, loose);
    assert.match(errorOf(() => SecretBox.forStatePath(join(shared, 'state.db'), noEnv)).message, /is not private/, loose.toString(8));
  }
});

test('a folder another user owns is refused, even when its mode is 0700', () => {
  const probe = probeUser();
  const theirs = dir();
  chownSync(theirs, probe.uid, -1);
  chmodSync(theirs, 0o700);
  const e = errorOf(() => SecretBox.forStatePath(join(theirs, 'state.db'), noEnv));
  assert.match(e.message, new RegExp(`is not private: it belongs to another user \\(uid ${probe.uid}\\)`));
  assert.doesNotMatch(e.fix ?? '', /chmod 700/, 'no chmod advice for a folder that is not ours');
  assert.equal(existsSync(join(theirs, 'secret.key')), false);
});

test('the per-user application-data folder, left 0755 by an older version, is made 0700', () => {
  const app = join(dir(), 'Cutover');
  mkdirSync(app, { mode: 0o755 });
  chmodSync(app, 0o755);
  checkKeyFolder(app, app);
  assert.equal(statSync(app).mode & 0o777, 0o700);
});

test('a private folder keeps working (key file 0600), and CUTOVER_SECRET_KEY needs no folder at all', () => {
  const own = dir();
  const box = SecretBox.forStatePath(join(own, 'state.db'), noEnv);
  assert.equal(box.decrypt(box.encrypt('s')), 's');
  assert.equal(statSync(join(own, 'secret.key')).mode & 0o777, 0o600);
  const shared = dir();
  chmodSync(shared, 0o1777);
  const env = { CUTOVER_SECRET_KEY: randomBytes(32).toString('base64') } as NodeJS.ProcessEnv;
  const fromEnv = SecretBox.forStatePath(join(shared, 'state.db'), env);
  assert.equal(fromEnv.keySource, 'CUTOVER_SECRET_KEY');
  assert.equal(existsSync(join(shared, 'secret.key')), false);
});
