// The secret box: AES-256-GCM round trips, another key or a changed byte is a clear CutoverError (never
// the secret, never a stack), the key file is created 0600 and refused when others may read it, the
// environment's key wins, and a bad key is named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CutoverError } from '../../shared/errors.js';
import { keyFilePath, SecretBox } from '../../engine/connections/secret-box.js';
import { errorOf } from '../helpers/errors.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'secret-box-'));
const key = (): string => randomBytes(32).toString('base64');


test('round trip: text in, "v1:" base64 out, a fresh IV each time, any text back', () => {
  const box = SecretBox.fromKey(key());
  for (const plain of ['', 'p@ss:w/rd%', 'ünïcödé 密码 🔑', 'x'.repeat(10_000)]) {
    const a = box.encrypt(plain);
    const b = box.encrypt(plain);
    assert.match(a, /^v1:[A-Za-z0-9+/]+=*$/);
    assert.notEqual(a, b, 'a random IV per value');
    assert.ok(!a.includes(plain) || plain === '', 'the ciphertext does not hold the text');
    assert.equal(box.decrypt(a), plain);
    assert.equal(box.decrypt(b), plain);
  }
});

test('a value encrypted with another key is refused with a clear message, never the secret', () => {
  const ct = SecretBox.fromKey(key(), 'key A').encrypt('hunter2');
  const e = errorOf(() => SecretBox.fromKey(key(), 'key B').decrypt(ct, 'The password of the profile "prod"'));
  assert.match(e.message, /The password of the profile "prod" cannot be decrypted: it was encrypted with another key than this one \(key B\)/);
  assert.match(e.fix ?? '', /CUTOVER_SECRET_KEY|secret\.key/);
  assert.ok(!e.message.includes('hunter2') && !(e.fix ?? '').includes('hunter2'));
  assert.ok(!/\n\s+at /.test(e.message), 'no stack trace');
});

test('a tampered ciphertext (any byte of IV, tag or data) fails authentication', () => {
  const box = SecretBox.fromKey(key());
  const ct = box.encrypt('secret value');
  const raw = Buffer.from(ct.slice(3), 'base64');
  for (const i of [0, 12, 28, raw.length - 1]) {
    const bad = Buffer.from(raw);
    bad[i]! ^= 1;
    assert.throws(() => box.decrypt('v1:' + bad.toString('base64')), (e: unknown) => e instanceof CutoverError && /cannot be decrypted/.test(e.message));
  }
  assert.throws(() => box.decrypt('v1:AAAA'), /damaged/);
  assert.throws(() => box.decrypt('plain text'), /not in a format/);
});

test('the key file is created beside the state file with mode 0600, and reused', () => {
  const d = dir();
  const state = join(d, 'state.db');
  const a = SecretBox.forStatePath(state, {});
  const path = keyFilePath(state);
  assert.equal(path, join(d, 'secret.key'));
  assert.ok(existsSync(path));
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64').length, 32);
  assert.equal(a.keySource, path);
  const ct = a.encrypt('kept');
  assert.equal(SecretBox.forStatePath(state, {}).decrypt(ct), 'kept', 'a second process reads the same key');
});

test('a key file readable by group or others is refused, with chmod 600 as the fix', () => {
  const d = dir();
  const state = join(d, 'state.db');
  SecretBox.forStatePath(state, {});
  for (const mode of [0o644, 0o640, 0o604]) {
    chmodSync(keyFilePath(state), mode);
    const e = errorOf(() => SecretBox.forStatePath(state, {}));
    assert.match(e.message, new RegExp(`may be read by other users \\(mode 0${mode.toString(8)}\\)`));
    assert.equal(e.fix, `chmod 600 ${keyFilePath(state)}`);
  }
  chmodSync(keyFilePath(state), 0o600);
  assert.doesNotThrow(() => SecretBox.forStatePath(state, {}));
});

test('CUTOVER_SECRET_KEY wins over the key file; a malformed key is named', () => {
  const d = dir();
  const state = join(d, 'state.db');
  const k = key();
  const box = SecretBox.forStatePath(state, { CUTOVER_SECRET_KEY: k });
  assert.equal(box.keySource, 'CUTOVER_SECRET_KEY');
  assert.ok(!existsSync(keyFilePath(state)), 'no key file is made when the environment has the key');
  assert.equal(SecretBox.fromKey(Buffer.from(k, 'base64')).decrypt(box.encrypt('x')), 'x');
  const e = errorOf(() => SecretBox.forStatePath(state, { CUTOVER_SECRET_KEY: 'c2hvcnQ=' }));
  assert.match(e.message, /CUTOVER_SECRET_KEY is not 32 bytes in base64 \(it decodes to 5 bytes\)/);
  assert.match(e.fix ?? '', /openssl rand -base64 32/);
  writeFileSync(keyFilePath(state), 'bm90IGEga2V5\n', { mode: 0o600 });
  assert.match(errorOf(() => SecretBox.forStatePath(state, {})).message, /secret\.key is not 32 bytes/);
});

test('a state file whose key the desktop app keeps in the OS keychain is not given a second key', () => {
  const d = dir();
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'secret.key.safe'), 'opaque');
  const e = errorOf(() => SecretBox.forStatePath(join(d, 'state.db'), {}));
  assert.match(e.message, /encrypted with the desktop app's key/);
  assert.ok(!existsSync(join(d, 'secret.key')));
});
