// A real OpenSSH server for the SSH tunnel tests, run by the test itself on a free loopback port: a temp
// dir with a generated host key, a generated client key in authorized_keys for the current user (the
// tests run as root: PermitRootLogin prohibit-password), TCP forwarding on or off, no PAM, in the
// foreground (-D -e) so it ends with the test. Fails (never skips) when sshd is missing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, tempDir } from './db.js';

const SSHD = '/usr/sbin/sshd';

export interface TestSshd {
  host: string;
  port: number;
  user: string;
  /** The client's private key (no passphrase), in authorized_keys. */
  clientKey: string;
  /** The same key encrypted with `passphrase`. */
  encryptedClientKey: string;
  passphrase: string;
  /** A key that is not in authorized_keys. */
  strangerKey: string;
  /** The server's host key fingerprint, as ssh-keygen -lf prints it. */
  hostKey: string;
  dir: string;
  /** Ends sshd and every session it forked (a bastion going down). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same keys (a bastion restart). */
  restart(): Promise<void>;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}


function keygen(path: string, passphrase = ''): void {
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'cutover-test', '-f', path]);
}

/** Waits for the SSH banner on the port (sshd is ready), or fails after `ms`. */
async function waitForBanner(port: number, child: ChildProcess, log: () => string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`sshd exited with code ${child.exitCode}:\n${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.setTimeout(1000, () => (s.destroy(), resolve(false)));
      s.once('data', (d) => (s.destroy(), resolve(d.toString().startsWith('SSH-'))));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not answer on 127.0.0.1:${port} within ${ms} ms:\n${log()}`);
}

/** Starts sshd; `options` are extra sshd_config lines (e.g. "AllowTcpForwarding no"). */
export async function startSshd(options: string[] = []): Promise<TestSshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} not found: the SSH tunnel tests need OpenSSH's server (apt-get install -y openssh-server).`);
  mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege separation directory
  const dir = tempDir('cutover-sshd-');
  keygen(join(dir, 'host_key'));
  keygen(join(dir, 'client_key'));
  keygen(join(dir, 'client_key_enc'), 'open sesame');
  keygen(join(dir, 'stranger_key'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub'), 'utf8') + readFileSync(join(dir, 'client_key_enc.pub'), 'utf8'), { mode: 0o600 });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'StrictModes no',
      'UsePAM no',
      'LogLevel VERBOSE',
      ...options,
      'AllowTcpForwarding yes', // first value wins: an option above overrides this default
    ].join('\n') + '\n',
  );
  let log = '';
  let child: ChildProcess;
  const start = async (): Promise<void> => {
    child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (log = (log + d).slice(-8000)));
    child.stderr!.on('data', (d) => (log = (log + d).slice(-8000)));
    await waitForBanner(port, child, () => log);
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // Each session runs in its own forked process (in a session of its own): end those first.
    const sessions = spawnSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' }).stdout.split('\n').map(Number).filter((p) => p > 0);
    for (const pid of sessions) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  await start();
  const hostKey = run('ssh-keygen', ['-lf', join(dir, 'host_key.pub')]).split(' ')[1]!;
  return {
    host: '127.0.0.1',
    port,
    user: run('id', ['-un']).trim(),
    clientKey: join(dir, 'client_key'),
    encryptedClientKey: join(dir, 'client_key_enc'),
    passphrase: 'open sesame',
    strangerKey: join(dir, 'stranger_key'),
    hostKey,
    dir,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
  };
}
