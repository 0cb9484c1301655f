// The state file holds job files, logs and encrypted secrets: it and its WAL and shared-memory files
// are the user's alone (mode 0600). A new file is created 0600 before SQLite opens it (SQLite gives the
// -wal and -shm files the database file's mode); an existing one with looser bits is tightened; one
// that another user owns, or that is not a regular file (a link planted in a shared folder), is refused.
import { chmodSync, closeSync, fchmodSync, lstatSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { CutoverError } from '../../shared/errors.js';

export const STATE_FILE_MODE = 0o600;

/** The files SQLite keeps for a database in WAL mode. */
export function stateFiles(path: string): string[] {
  return [path, `${path}-wal`, `${path}-shm`];
}

/** Before opening: the folder exists (new folders 0700), the file exists with mode 0600, and no file of the set is another user's. */
export function prepareStateFile(path: string): void {
  if (path === ':memory:') return;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  try {
    const fd = openSync(path, 'wx', STATE_FILE_MODE);
    fchmodSync(fd, STATE_FILE_MODE); // whatever the umask
    closeSync(fd);
  } catch (e) {
    if ((e as { code?: string }).code !== 'EEXIST') throw e;
  }
  tightenStateFiles(path);
}

/** Each existing file of the set: refused when it is not the user's own regular file, else made 0600. */
export function tightenStateFiles(path: string): void {
  if (path === ':memory:' || process.platform === 'win32') return;
  const uid = process.getuid?.();
  for (const file of stateFiles(path)) {
    const st = lstatSync(file, { throwIfNoEntry: false });
    if (!st) continue;
    if (!st.isFile())
      throw new CutoverError(`${file} is not a regular file (a link or a device); Cutover will not open it as its state file.`, `Remove it, or choose another state file with --state FILE in a folder of your own.`, 'STATE_FILE');
    if (uid !== undefined && st.uid !== uid)
      throw new CutoverError(
        `${file} belongs to another user (uid ${st.uid}), who could read and change it; Cutover will not use it as its state file.`,
        `Choose a state file in a folder of your own (e.g. --state ~/cutover/state.db), or, if that file is yours, chown $(id -u) ${file}.`,
        'STATE_FILE',
      );
    if (st.mode & 0o077) chmodSync(file, STATE_FILE_MODE);
  }
}
