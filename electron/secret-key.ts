// The installation's secret key in the desktop app: kept beside the state file as `secret.key.safe`,
// encrypted by the OS keychain through Electron's safeStorage (Keychain on macOS, DPAPI on Windows,
// libsecret/kwallet on Linux), created on first start, and handed to the engine utility process as
// CUTOVER_SECRET_KEY (base64) in its environment; the engine passes it on to the `cutover run`
// processes it starts. Where safeStorage cannot encrypt (no keyring), nothing is passed and the engine
// uses the plain key file `secret.key` (mode 0600; engine/connections/secret-box.ts).
import { safeStorage } from 'electron';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KEY_FILE, SAFE_KEY_FILE, SECRET_KEY_ENV } from '../engine/connections/secret-box.js';

const KEY_BYTES = 32;

function validKey(text: string | null | undefined): string | null {
  const t = text?.trim();
  return t && Buffer.from(t, 'base64').length === KEY_BYTES ? t : null;
}

/**
 * The environment the engine process gets for the key: { CUTOVER_SECRET_KEY } from secret.key.safe
 * (made now if missing), or {} (an explicit CUTOVER_SECRET_KEY is kept; without safeStorage the engine
 * falls back to the key file). Call after app 'ready' (safeStorage needs it on Linux).
 */
export function secretKeyEnv(statePath: string, log: (line: string) => void = console.error): Record<string, string> {
  if (process.env[SECRET_KEY_ENV]) return {};
  if (!safeStorage.isEncryptionAvailable()) {
    log(`Cutover: the OS keychain is not available; secrets are encrypted with the key file ${join(dirname(statePath), KEY_FILE)} (readable only by you).`);
    return {};
  }
  const safePath = join(dirname(statePath), SAFE_KEY_FILE);
  if (existsSync(safePath)) {
    try {
      const key = validKey(safeStorage.decryptString(readFileSync(safePath)));
      if (key) return { [SECRET_KEY_ENV]: key };
      log(`Cutover: ${safePath} does not hold a valid key; saved secrets cannot be decrypted until it is restored.`);
    } catch (e) {
      log(`Cutover: the OS keychain could not decrypt ${safePath} (${(e as Error).message}); saved secrets cannot be decrypted until it can.`);
    }
    return {};
  }
  // First start: keep the key of a plain key file already in use (web mode, the CLI), so the secrets
  // saved with it stay readable; otherwise a new random key.
  let key: string | null = null;
  try {
    key = validKey(readFileSync(join(dirname(statePath), KEY_FILE), 'utf8'));
  } catch {
    /* no key file yet */
  }
  key ??= randomBytes(KEY_BYTES).toString('base64');
  try {
    mkdirSync(dirname(safePath), { recursive: true });
    const tmp = `${safePath}.${process.pid}.tmp`;
    writeFileSync(tmp, safeStorage.encryptString(key), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, safePath);
  } catch (e) {
    log(`Cutover: cannot write ${safePath} (${(e as Error).message}); secrets are encrypted with the key file ${join(dirname(statePath), KEY_FILE)} instead.`);
    return {};
  }
  return { [SECRET_KEY_ENV]: key };
}
