// Encryption of secrets at rest (profile passwords, passphrases): AES-256-GCM from node:crypto with a
// random 12-byte IV per value and its 16-byte authentication tag, stored as "v1:" + base64(iv|tag|data).
// The installation's 32-byte key comes from CUTOVER_SECRET_KEY (base64; the desktop app passes the key
// it keeps with Electron's safeStorage, see electron/secret-key.ts), else from the file `secret.key`
// beside the state file: created on first use (mode 0600, random bytes, base64 text), and refused when
// group or others may read it, or when its folder is not private (checkKeyFolder). A ciphertext that
// does not authenticate means another key (or a damaged value): a CutoverError that says so, never a
// stack trace and never the secret.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CutoverError } from '../../shared/errors.js';
import { appDataDir } from '../state/default-path.js';

export const SECRET_KEY_ENV = 'CUTOVER_SECRET_KEY';
export const KEY_FILE = 'secret.key';
/** The desktop app's copy of the key, encrypted by the OS keychain (Electron safeStorage). */
export const SAFE_KEY_FILE = 'secret.key.safe';

const VERSION = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** The key file of a state file: `secret.key` in the same directory. */
export function keyFilePath(statePath: string): string {
  return join(dirname(statePath), KEY_FILE);
}

export class SecretBox {
  private constructor(
    private readonly key: Buffer,
    /** Where the key came from, for messages: "CUTOVER_SECRET_KEY" or the key file's path. */
    readonly keySource: string,
  ) {}

  /** A box over a given key (32 bytes, or its base64). */
  static fromKey(key: Buffer | string, keySource = 'a given key'): SecretBox {
    return new SecretBox(decodeKey(key, keySource), keySource);
  }

  /** The installation's box: CUTOVER_SECRET_KEY when set, else the key file beside the state file (created if missing). */
  static forStatePath(statePath: string, env: NodeJS.ProcessEnv = process.env): SecretBox {
    const fromEnv = env[SECRET_KEY_ENV];
    if (fromEnv) return new SecretBox(decodeKey(fromEnv, SECRET_KEY_ENV), SECRET_KEY_ENV);
    if (statePath === ':memory:')
      throw new CutoverError('An in-memory state file has no folder for its secret key.', `Set ${SECRET_KEY_ENV} (32 random bytes in base64: openssl rand -base64 32).`, 'SECRET_KEY');
    const path = keyFilePath(statePath);
    checkKeyFolder(dirname(path));
    return new SecretBox(readOrCreateKeyFile(path), path);
  }

  encrypt(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return VERSION + Buffer.concat([iv, c.getAuthTag(), data]).toString('base64');
  }

  /** The plain text; a CutoverError (never the value) when it was encrypted with another key or is damaged. `what` names it. */
  decrypt(text: string, what = 'a saved secret'): string {
    if (!text.startsWith(VERSION))
      throw new CutoverError(`${what} is not in a format this version of Cutover reads.`, 'Enter the secret again (edit the profile and save it).', 'SECRET_FORMAT');
    const raw = Buffer.from(text.slice(VERSION.length), 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES)
      throw new CutoverError(`${what} is damaged (too short to be an encrypted value).`, 'Enter the secret again (edit the profile and save it).', 'SECRET_FORMAT');
    try {
      const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      d.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([d.update(raw.subarray(IV_BYTES + TAG_BYTES)), d.final()]).toString('utf8');
    } catch {
      throw new CutoverError(
        `${what} cannot be decrypted: it was encrypted with another key than this one (${this.keySource}), or it was altered.`,
        `Use the key it was saved with (the ${SECRET_KEY_ENV} environment variable, or the ${KEY_FILE} file beside the state file, that was in use when it was saved), or enter the secret again (edit the profile and save it).`,
        'SECRET_KEY',
      );
    }
  }
}

/**
 * The key file's folder must be private: the user's own, and no one else may list, read or write it
 * (mode 0700). In a shared folder such as /tmp another user could plant their own key first (and read
 * every secret encrypted with it) or replace it. The per-user application-data folder is tightened to
 * 0700 when an older version made it looser; any other folder is refused, with the ways out.
 */
export function checkKeyFolder(dir: string, defaultDir = appDataDir()): void {
  if (process.platform === 'win32') return;
  const st = statSync(dir, { throwIfNoEntry: false });
  if (!st) return; // created with the state file, 0700
  const uid = process.getuid?.();
  const mode = st.mode & 0o7777;
  const ownedByUs = uid === undefined || st.uid === uid;
  if (ownedByUs && !(mode & 0o077)) return;
  if (ownedByUs && resolve(dir) === resolve(defaultDir)) {
    chmodSync(dir, 0o700);
    return;
  }
  const why = ownedByUs ? `other users may use it (mode ${mode.toString(8).padStart(4, '0')})` : `it belongs to another user (uid ${st.uid})`;
  throw new CutoverError(
    `The state file's folder ${dir} is not private: ${why}. Another user could plant or replace the secret key (${KEY_FILE}) there, so Cutover keeps no key in it.`,
    `Keep the state file in a folder only you can use (mkdir -m 700 ~/cutover, then --state ~/cutover/state.db)${ownedByUs ? `, or make this one private (chmod 700 ${dir})` : ''}, or give the key in ${SECRET_KEY_ENV} (openssl rand -base64 32; keep it to use the same secrets again).`,
    'SECRET_KEY',
  );
}

function decodeKey(key: Buffer | string, source: string): Buffer {
  const bytes = typeof key === 'string' ? Buffer.from(key.trim(), 'base64') : key;
  if (bytes.length !== KEY_BYTES)
    throw new CutoverError(
      `The secret key from ${source} is not 32 bytes in base64 (it decodes to ${bytes.length} bytes).`,
      `Use 32 random bytes in base64 (44 characters), e.g. the output of: openssl rand -base64 32`,
      'SECRET_KEY',
    );
  return bytes;
}

function readOrCreateKeyFile(path: string): Buffer {
  if (!existsSync(path)) {
    const safe = join(dirname(path), SAFE_KEY_FILE);
    if (existsSync(safe))
      throw new CutoverError(
        `The secrets in this state file are encrypted with the desktop app's key, which the OS keychain protects (${safe}); this process has no access to it.`,
        `Start the job from the desktop app, or use a job file whose secrets come from environment variables ("passwordEnv"), or set ${SECRET_KEY_ENV} to the installation's key.`,
        'SECRET_KEY',
      );
    createKeyFile(path);
  }
  if (process.platform !== 'win32') {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077)
      throw new CutoverError(
        `The secret key file ${path} may be read by other users (mode ${mode.toString(8).padStart(4, '0')}); Cutover refuses to use it.`,
        `chmod 600 ${path}`,
        'SECRET_KEY',
      );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CutoverError(`Cannot read the secret key file ${path}: ${(e as Error).message}`, `Check that it belongs to the user running Cutover (chown $USER ${path}).`, 'SECRET_KEY');
  }
  return decodeKey(text, path);
}

/** A new random key, written whole or not at all: a temporary file linked into place (two processes racing agree on one key). */
function createKeyFile(path: string): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, randomBytes(KEY_BYTES).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(tmp, 0o600); // whatever the umask
    try {
      linkSync(tmp, path);
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw e;
    }
  } catch (e) {
    throw new CutoverError(`Cannot create the secret key file ${path}: ${(e as Error).message}`, 'Check that the state file\'s folder is writable by this user and the disk is not full.', 'SECRET_KEY');
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* not created */
    }
  }
}
