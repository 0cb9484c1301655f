// An SSH tunnel through a bastion host (ssh2, pure JavaScript): a TCP listener on 127.0.0.1:<free port>
// whose every accepted socket is forwarded (direct-tcpip, like `ssh -L`) to the target host and port as
// the bastion reaches them, all through one SSH connection. Connection URLs are rewritten to the local
// port (resolve.ts), so every connection path of the engine goes through the tunnel unchanged.
//
// The bastion's host key is checked: a pinned fingerprint refuses any other key; without one, the key
// is reported (the UI pins it), and a reconnect accepts only the key seen first. When the SSH connection
// drops (keepalives notice a dead bastion), the next accepted socket reconnects; until that works,
// sockets are closed at once and the driver's error is replaced by the tunnel's own (endpoint-problems.ts,
// code UNREACHABLE), which the stream retries with backoff, so a long job survives a bastion restart.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { Client as SshClient, ClientChannel, ConnectConfig } from 'ssh2';
import { CutoverError } from '../../shared/errors.js';
import { registerEndpoint } from '../core/endpoint-problems.js';

const { Client, utils } = ssh2;

export interface TunnelSsh {
  host: string;
  port: number;
  user: string;
  /** Key authentication: the private key file (OpenSSH or PEM). */
  privateKeyFile?: string;
  /** The pinned host key fingerprint ("SHA256:…"). */
  hostKey?: string;
}

export interface TunnelOptions {
  ssh: TunnelSsh;
  /** The SSH password (password authentication) and the key's passphrase. */
  secrets?: { password?: string; passphrase?: string };
  targetHost: string;
  targetPort: number;
  /** The SSH handshake and login, and the check that the bastion reaches the target (default 10 s). */
  timeoutMs?: number;
  /** SSH keepalive interval (default 10 s; 3 unanswered = the connection is dead). */
  keepaliveMs?: number;
  /** Open one forwarded channel at once and close it, so a refused forwarding or an unreachable target fails here (default true). */
  probe?: boolean;
  log?: (level: 'info' | 'warn', line: string) => void;
}

export interface Tunnel {
  /** 127.0.0.1:localPort leads to the target. */
  localPort: number;
  /** The bastion's host key fingerprint, "SHA256:…". */
  hostKey: string;
  close(): Promise<void>;
}

/** The fingerprint `ssh-keygen -lf` prints for a host key blob. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

export async function openTunnel(o: TunnelOptions): Promise<Tunnel> {
  const t = new SshTunnel(o);
  await t.open();
  return t;
}

class SshTunnel implements Tunnel {
  localPort = 0;
  hostKey = '';
  private client: SshClient | null = null;
  private connecting: Promise<SshClient> | null = null;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  /** Why new connections fail now (SSH down, or the last forwarding failed); null when healthy. */
  private problem: CutoverError | null = null;
  private unregister: (() => void) | null = null;
  private closed = false;
  private readonly bastion: string;
  private readonly target: string;

  constructor(private readonly o: TunnelOptions) {
    this.bastion = `${o.ssh.user}@${o.ssh.host}:${o.ssh.port}`;
    this.target = `${o.targetHost}:${o.targetPort}`;
  }

  async open(): Promise<void> {
    const client = await this.connectSsh();
    try {
      if (this.o.probe !== false) await this.probe(client);
      this.server = createServer((s) => this.accept(s));
      await new Promise<void>((resolve, reject) => {
        this.server!.once('error', reject);
        this.server!.listen(0, '127.0.0.1', () => resolve());
      });
      this.localPort = (this.server.address() as AddressInfo).port;
      this.unregister = registerEndpoint('127.0.0.1', this.localPort, () => this.problem);
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unregister?.();
    for (const s of this.sockets) s.destroy();
    this.client?.end();
    this.client = null;
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  /** One SSH connection, authenticated, host key checked. */
  private connectSsh(): Promise<SshClient> {
    if (this.connecting) return this.connecting;
    const { ssh, secrets = {} } = this.o;
    const cfg: ConnectConfig = {
      host: ssh.host,
      port: ssh.port,
      username: ssh.user,
      readyTimeout: this.o.timeoutMs ?? 10_000,
      keepaliveInterval: this.o.keepaliveMs ?? 10_000,
      keepaliveCountMax: 3,
    };
    if (ssh.privateKeyFile) {
      cfg.privateKey = readPrivateKey(ssh.privateKeyFile, secrets.passphrase);
      if (secrets.passphrase) cfg.passphrase = secrets.passphrase;
    }
    if (secrets.password) cfg.password = secrets.password;
    if (!cfg.privateKey && !cfg.password)
      return Promise.reject(new CutoverError(`The SSH tunnel through ${this.bastion} has neither a private key nor a password to log in with.`, 'Give the private key file, or the SSH password.', 'CONFIG'));
    // A reconnect accepts only the key the first connection saw (or the pinned one).
    const expected = ssh.hostKey ?? (this.hostKey || undefined);
    let seen = '';
    cfg.hostVerifier = (key: Buffer): boolean => {
      seen = fingerprint(key);
      return !expected || seen === expected;
    };
    const client = new Client();
    this.connecting = new Promise<SshClient>((resolve, reject) => {
      let ready = false;
      client.once('ready', () => {
        ready = true;
        this.hostKey = seen;
        this.client = client;
        this.problem = null;
        resolve(client);
      });
      client.on('error', (e: Error & { level?: string }) => {
        if (ready) {
          this.lost(client, e.message);
          return;
        }
        if (expected && seen && seen !== expected) reject(hostKeyMismatch(this.bastion, expected, seen, !!ssh.hostKey));
        else reject(this.explainSshError(e));
      });
      client.on('close', () => {
        if (!ready) reject(new CutoverError(`The SSH connection to ${this.bastion} closed during the handshake.`, 'Check that the port is an SSH server\'s (ssh -p PORT user@host works from this machine).', 'UNREACHABLE'));
        else this.lost(client, 'connection closed');
      });
      client.connect(cfg);
    }).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /** The SSH connection went away: new sockets reconnect it; until then they fail with this. */
  private lost(client: SshClient, why: string): void {
    if (this.client !== client) return;
    this.client = null;
    client.end();
    if (this.closed) return;
    this.problem = new CutoverError(
      `The SSH tunnel through ${this.bastion} to ${this.target} is down (${why}); it is reopened on the next connection.`,
      `Check that the bastion ${this.o.ssh.host}:${this.o.ssh.port} is up and reachable from this machine (ssh -p ${this.o.ssh.port} ${this.o.ssh.user}@${this.o.ssh.host}).`,
      'UNREACHABLE',
    );
    this.o.log?.('warn', `SSH tunnel through ${this.bastion}: ${why}; reconnecting on the next connection`);
  }

  private forward(client: SshClient): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new CutoverError(`The bastion ${this.bastion} did not reach ${this.target} within ${(this.o.timeoutMs ?? 10_000) / 1000} s.`, `From the bastion, check the server's host and port and the firewalls between them (nc -vz ${this.o.targetHost} ${this.o.targetPort}).`, 'UNREACHABLE')),
        this.o.timeoutMs ?? 10_000,
      );
      client.forwardOut('127.0.0.1', 0, this.o.targetHost, this.o.targetPort, (err, ch) => {
        clearTimeout(timer);
        if (err) reject(this.explainForwardError(err as Error & { reason?: number | string }));
        else resolve(ch);
      });
    });
  }

  private async probe(client: SshClient): Promise<void> {
    const ch = await this.forward(client);
    ch.on('error', () => undefined);
    ch.close();
  }

  private accept(sock: Socket): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.pause();
    void (async () => {
      try {
        const client = this.client ?? (await this.connectSsh());
        const ch = await this.forward(client);
        this.problem = null;
        if (sock.destroyed) {
          ch.close();
          return;
        }
        ch.on('error', () => sock.destroy());
        ch.on('close', () => sock.destroy());
        sock.on('close', () => ch.close());
        sock.pipe(ch).pipe(sock);
        sock.resume();
      } catch (e) {
        this.problem = e instanceof CutoverError ? e : new CutoverError(`The SSH tunnel through ${this.bastion} failed: ${(e as Error).message}`, undefined, 'UNREACHABLE');
        if (this.problem.code !== 'UNREACHABLE') this.problem = new CutoverError(this.problem.message, this.problem.fix, 'UNREACHABLE');
        sock.destroy();
      }
    })();
  }

  private explainSshError(e: Error & { level?: string; code?: string }): CutoverError {
    const { ssh } = this.o;
    const where = `${ssh.host}:${ssh.port}`;
    if (e.level === 'client-authentication') {
      const how = ssh.privateKeyFile ? (this.o.secrets?.password ? 'the key and the password were' : `the key ${ssh.privateKeyFile} was`) : 'the password was';
      return new CutoverError(
        `The bastion ${where} refused the SSH login of ${ssh.user}: ${how} not accepted.`,
        ssh.privateKeyFile
          ? `Check that the public key (ssh-keygen -y -f ${ssh.privateKeyFile}) is in ~${ssh.user}/.ssh/authorized_keys on the bastion, and the user name.`
          : `Check the user name and the SSH password (ssh -p ${ssh.port} ${ssh.user}@${ssh.host} must log in with it).`,
        'AUTH',
      );
    }
    if (e.level === 'client-timeout')
      return new CutoverError(`Timed out connecting to the bastion ${where} (no SSH handshake within ${(this.o.timeoutMs ?? 10_000) / 1000} s).`, 'Check the bastion\'s host and port, and the firewalls between this machine and it.', 'UNREACHABLE');
    if (e.level === 'client-socket' || e.level === 'client-dns' || /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/.test(`${e.code ?? ''} ${e.message}`)) {
      const why = /ENOTFOUND|EAI_AGAIN/.test(`${e.code ?? ''} ${e.message}`) ? `the host name "${ssh.host}" cannot be resolved` : /ECONNREFUSED/.test(`${e.code ?? ''} ${e.message}`) ? 'connection refused' : e.message;
      return new CutoverError(`The bastion ${where} cannot be reached (${why}).`, `Check the bastion's host and port (ssh -p ${ssh.port} ${ssh.user}@${ssh.host} from this machine) and that sshd runs there.`, 'UNREACHABLE');
    }
    return new CutoverError(`The SSH connection to ${where} failed: ${e.message}`, `Check that ssh -p ${ssh.port} ${ssh.user}@${ssh.host} works from this machine.`, 'SSH');
  }

  private explainForwardError(e: Error & { reason?: number | string }): CutoverError {
    if (e.reason === 1 || /administratively prohibited/i.test(e.message))
      return new CutoverError(
        `The bastion ${this.bastion} refused to forward to ${this.target} (${e.message}): TCP forwarding is not allowed for this user.`,
        `On the bastion, set "AllowTcpForwarding yes" (or "local") for ${this.o.ssh.user} in /etc/ssh/sshd_config (and no "PermitOpen" excluding ${this.target}), then reload sshd (systemctl reload sshd).`,
        'SSH_FORWARDING',
      );
    return new CutoverError(
      `The bastion ${this.bastion} could not reach ${this.target} (${e.message}).`,
      `Check the server's host and port as the bastion sees them (from the bastion: nc -vz ${this.o.targetHost} ${this.o.targetPort}), that the server is running, and the firewalls between them.`,
      'UNREACHABLE',
    );
  }
}

function hostKeyMismatch(bastion: string, expected: string, seen: string, pinned: boolean): CutoverError {
  return new CutoverError(
    `The bastion ${bastion} presented the host key ${seen}, but ${pinned ? 'the pinned key is' : 'this tunnel connected to'} ${expected}: the connection was refused.`,
    `If the bastion's key was changed on purpose, check the new one on the bastion (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and pin it; otherwise do not connect: someone may be intercepting the connection.`,
    'SSH_HOST_KEY',
  );
}

/** The private key's text, checked now so a missing file or passphrase is named (ssh2 would say less). */
function readPrivateKey(path: string, passphrase?: string): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new CutoverError(
      `The SSH private key file ${path} ${code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable by this user' : `cannot be read (${(e as Error).message})`}.`,
      'Point the tunnel at the private key file (e.g. ~/.ssh/id_ed25519) of the user running Cutover.',
      'CONFIG',
    );
  }
  const parsed = utils.parseKey(data, passphrase);
  if (parsed instanceof Error) {
    if (/no passphrase/i.test(parsed.message))
      throw new CutoverError(`The SSH private key ${path} is encrypted and no passphrase was given.`, 'Give the key\'s passphrase (the profile\'s passphrase, or "passphraseEnv" in a job file).', 'AUTH');
    if (passphrase && /decrypt|passphrase|integrity|bad/i.test(parsed.message))
      throw new CutoverError(`The passphrase of the SSH private key ${path} is wrong.`, `Check the passphrase (ssh-keygen -y -f ${path} asks for it and prints the public key when it is right).`, 'AUTH');
    throw new CutoverError(`${path} is not a private key ssh can use (${parsed.message}).`, 'Use an OpenSSH or PEM private key file, e.g. one made by ssh-keygen -t ed25519.', 'CONFIG');
  }
  return data;
}
