// A second local Unix user for the tests of what another user on the machine can do: the tests run as
// root, create `cutover-probe` when it is missing, and act as it with runuser. Anything that goes wrong
// here throws: a security test that cannot play the other user must fail, never skip.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

export const PROBE_USER = 'cutover-probe';

/** The probe user's uid (created first when missing); throws when this is not root or the user cannot be made. */
export function probeUser(): { name: string; uid: number } {
  if (process.getuid?.() !== 0) throw new Error(`the tests of another local user need root (to create and act as ${PROBE_USER}); run them as root`);
  const uid = (): number => Number(execFileSync('id', ['-u', PROBE_USER], { encoding: 'utf8' }).trim());
  // Two test lanes may get here at once: useradd then fails in one of them (the user exists, or
  // /etc/passwd is locked by the other's useradd) and the user is looked up again after a short wait.
  for (let attempt = 1; ; attempt++) {
    try {
      return { name: PROBE_USER, uid: uid() };
    } catch {
      try {
        execFileSync('useradd', ['-M', '-r', '-s', '/usr/sbin/nologin', PROBE_USER], { stdio: 'pipe' });
      } catch (e) {
        if (attempt >= 20) throw e;
        execFileSync('sleep', ['0.2']);
      }
    }
  }
}

/** Runs a shell script as the probe user and returns its output; throws on a non-zero exit. */
export function asProbe(script: string): string {
  probeUser();
  return execFileSync('runuser', ['-u', PROBE_USER, '--', 'sh', '-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Starts a long-running shell script as the probe user (kill it with stopProbe). */
export function spawnAsProbe(script: string): ChildProcess {
  probeUser();
  return spawn('runuser', ['-u', PROBE_USER, '--', 'sh', '-c', script], { stdio: 'ignore', detached: true });
}

export async function stopProbe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
}
