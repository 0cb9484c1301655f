// The state file's disk filling up. SQLite reports a full disk (SQLITE_FULL) only when its WAL must grow,
// which may be long after the disk filled (it reuses WAL frames), and a failed metrics write is otherwise
// silent; so a run also looks at the free space itself, once a second, and stops while some is left
// (MIN_FREE_BYTES), so that the state file can still record why. Either way the run stops with the path,
// the free space and the fix; the sink stays consistent (copy chunks are re-copied idempotently, the
// stream resumes from the sink's own checkpoint) and running the job again once there is room resumes.
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { CutoverError } from '../../shared/errors.js';

/** A run stops when less than this is free on the state file's file system. */
export const MIN_FREE_BYTES = 1024 * 1024;

/** Bytes available to this user on the file system holding `path` (null when unknown). */
export function freeBytes(path: string): number | null {
  try {
    const s = statfsSync(dirname(path));
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}

/** SQLite's "database or disk is full", or a file write's ENOSPC/EDQUOT. */
export function isDiskFull(e: unknown): boolean {
  if (e instanceof StateDiskFull) return true;
  const code = String((e as { code?: unknown } | null)?.code ?? '');
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT';
}

function size(bytes: number): string {
  if (bytes >= 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024 / 1024).toFixed(1)} GiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** The run cannot go on: the state file's disk is (nearly) full. */
export class StateDiskFull extends CutoverError {
  constructor(path: string) {
    const free = freeBytes(path);
    super(
      `The state file ${path} cannot be written: its disk is full (${free === null ? 'free space unknown' : `${size(free)} free`} in ${dirname(path)}; Cutover stops below ${size(MIN_FREE_BYTES)}). ` +
        'The run stopped; the sink is consistent (what it holds is recorded in its own checkpoint, or is copied again idempotently).',
      `Free space on that file system (df -h ${dirname(path)}), or run with --state on a disk with room (copy the state file there first), then run the same job again: it resumes where it stopped.`,
      'STATE_DISK_FULL',
    );
  }
}

/** Checks the free space under the state file at most once a second; throws StateDiskFull when it is too low. */
export class StateSpaceGuard {
  private checkedAt = 0;

  constructor(
    private readonly path: string,
    private readonly minFree = MIN_FREE_BYTES,
  ) {}

  check(): void {
    if (this.path === ':memory:') return;
    const t = Date.now();
    if (t - this.checkedAt < 1000) return;
    this.checkedAt = t;
    const free = freeBytes(this.path);
    if (free !== null && free < this.minFree) throw new StateDiskFull(this.path);
  }
}
