// A MySQL/MariaDB endpoint of a job file (the source's or the MySQL sink's) as a target to connect to: a
// saved MySQL profile's host, login, TLS and SSH tunnel with its secrets, or the URL with the passwords from
// the environment variables the file names. No tunnel is opened here (engine/connections/resolve.ts does).
import { CutoverError } from '../../shared/errors.js';
import { mysqlUrlParts, tlsParamsOf } from '../../shared/mysql-url.js';
import type { MysqlProfile, Profile, ProfileSecrets } from '../../shared/profiles.js';
import { readEnv, type MysqlEndpoint } from '../core/endpoint-tools.js';
import type { TunnelSsh } from './ssh-tunnel.js';

/** A MySQL endpoint as a URL with its password, SSH and TLS as they are to be connected. */
export interface MysqlTarget {
  user: string;
  password?: string;
  host: string;
  port: number;
  database?: string;
  params: [string, string][];
  ssh?: { settings: TunnelSsh; password?: string; passphrase?: string };
}

export function mysqlTarget(e: MysqlEndpoint, side: 'source' | 'sink', env: NodeJS.ProcessEnv, profile: (n: string) => { profile: Profile; secrets: ProfileSecrets }): MysqlTarget {
  if (e.profile) {
    const { profile: p, secrets } = profile(e.profile);
    if (p.kind !== 'mysql')
      throw new CutoverError(`The profile "${p.name}" is not a MySQL/MariaDB profile; the ${side} needs a MySQL or MariaDB one ($.${side}.profile).`, 'Name a MySQL/MariaDB profile.', 'CONFIG');
    return profileTarget(p, secrets);
  }
  const parts = mysqlUrlParts(e.url!);
  const password = e.passwordEnv ? readEnv(env, e.passwordEnv, `the ${side}'s password`, `$.${side}.passwordEnv`) : parts.password;
  const t: MysqlTarget = { ...parts, password };
  if (e.ssh) {
    const s = e.ssh;
    t.ssh = {
      settings: { host: s.host, port: s.port, user: s.user, privateKeyFile: s.privateKeyFile, hostKey: s.hostKey },
      password: s.passwordEnv ? readEnv(env, s.passwordEnv, `the ${side}'s SSH password`, `$.${side}.ssh.passwordEnv`) : undefined,
      passphrase: s.passphraseEnv ? readEnv(env, s.passphraseEnv, `the passphrase of ${s.privateKeyFile}`, `$.${side}.ssh.passphraseEnv`) : undefined,
    };
  }
  return t;
}

/** A saved MySQL profile as a target (no tunnel opened yet). */
export function profileTarget(p: MysqlProfile, secrets: ProfileSecrets): MysqlTarget {
  const t: MysqlTarget = {
    user: p.user,
    password: secrets.password,
    host: p.socket ? 'localhost' : p.host,
    port: p.port,
    params: p.socket ? [['socket', p.socket]] : tlsParamsOf(p.tls),
  };
  if (p.ssh)
    t.ssh = {
      settings: { host: p.ssh.host, port: p.ssh.port, user: p.ssh.user, privateKeyFile: p.ssh.auth === 'key' ? p.ssh.privateKeyFile : undefined, hostKey: p.ssh.hostKey },
      password: p.ssh.auth === 'password' ? secrets.sshPassword : undefined,
      passphrase: p.ssh.auth === 'key' ? secrets.sshPassphrase : undefined,
    };
  return t;
}

