// A saved MySQL/MariaDB profile (the source's and the MySQL sink's alike): its password, and its SSH
// tunnel's password or key passphrase; exported into a job file as a URL with its TLS parameters.
import { buildMysqlUrl, tlsParamsOf } from '../../shared/mysql-url.js';
import type { MysqlEndpointFile } from '../../shared/job-endpoints.js';
import { profileRules } from '../core/profile-rules.js';

export const mysqlProfileRules = profileRules('mysql', {
  usedSecrets: (p) => ['password', ...(p.ssh?.auth === 'password' ? (['sshPassword'] as const) : p.ssh?.auth === 'key' ? (['sshPassphrase'] as const) : [])],
  missingSecrets: (p, s) => (p.ssh?.auth === 'password' && !s.sshPassword ? ['  $.secrets.sshPassword: the SSH tunnel logs in with a password, and none is saved'] : []),
  jobFileEndpoint: (p, prefix, has) => {
    const params: [string, string][] = p.socket ? [['socket', p.socket]] : tlsParamsOf(p.tls);
    const out: MysqlEndpointFile = { url: buildMysqlUrl({ user: p.user, host: p.socket ? 'localhost' : p.host, port: p.port, params }) };
    if (has?.password ?? true) out.passwordEnv = `${prefix}_PASSWORD`;
    const ssh = p.ssh;
    if (ssh) {
      out.ssh = { host: ssh.host, port: ssh.port, user: ssh.user };
      if (ssh.auth === 'key') {
        out.ssh.privateKeyFile = ssh.privateKeyFile;
        if (has?.sshPassphrase) out.ssh.passphraseEnv = `${prefix}_SSH_PASSPHRASE`;
      } else out.ssh.passwordEnv = `${prefix}_SSH_PASSWORD`;
      if (ssh.hostKey) out.ssh.hostKey = ssh.hostKey;
    }
    return out;
  },
  describe: (p) => {
    const at = p.socket ? `${p.user}@${p.socket}` : `${p.user}@${p.host}:${p.port}`;
    const via = p.ssh ? ` via ssh ${p.ssh.user}@${p.ssh.host}:${p.ssh.port}` : '';
    const tls = p.tls.mode !== 'disabled' ? `, TLS ${p.tls.mode}` : '';
    return `${at}${via}${tls}`;
  },
});
