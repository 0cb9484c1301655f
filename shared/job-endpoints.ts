// Where a job's source and sink are, in the two forms of shared/job-config.ts: what a job file may say
// (a URL, a saved profile's name, secrets named by environment variables, an SSH tunnel) and what the
// engine runs with once engine/connections/resolve.ts has resolved it (a URL holding its password and
// TLS parameters, a Kafka sink with concrete brokers, TLS and SASL). Also the endpoint shapes a saved
// profile is exported as (JobFileEndpoints; engine/connections/job-file-endpoint.ts writes them, no secret).
import { z } from 'zod';
import { PROFILE_NAME, SASL_MECHANISMS, SSH_FINGERPRINT, TlsSettings } from './profiles.js';
import { mysqlUrlParts, readTlsParams, UrlTlsError } from './mysql-url.js';

/** A mysql:// URL whose TLS parameters (ssl-mode, ssl-ca, …) are valid. */
export const mysqlUrl = z
  .string()
  .regex(/^(mysql|mariadb):\/\//, { message: 'must be a URL like mysql://user:password@host:3306' })
  .superRefine((url, ctx) => {
    let params: URLSearchParams;
    try {
      params = new URL(url).searchParams;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not a valid URL', params: { fix: 'Use the form mysql://user:password@host:3306 (percent-encode special characters in the password).' } });
      return;
    }
    try {
      const tls = readTlsParams(params);
      if (tls && params.has('socket')) ctx.addIssue({ code: 'custom', message: 'a Unix socket (socket=…) takes no TLS', params: { fix: 'Remove the ssl-* parameters, or connect over TCP.' } });
    } catch (e) {
      if (!(e instanceof UrlTlsError)) throw e;
      ctx.addIssue({ code: 'custom', message: e.message, params: { fix: e.fix } });
    }
  });

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be an environment variable name such as CUTOVER_SOURCE_PASSWORD' });
export const profileName = z.string().regex(PROFILE_NAME, { message: 'must be the name of a saved profile (1–64 letters, digits, spaces and _ . @ ( ) -)' });

/** An SSH tunnel in a job file: the server's host and port (in the URL) are reached from this bastion. */
export const SshEndpoint = z
  .object({
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().min(1).max(255),
    /** A private key file (OpenSSH or PEM) on the machine that runs the job. */
    privateKeyFile: z.string().min(1).max(4096).optional(),
    /** The key's passphrase, from this environment variable. */
    passphraseEnv: envName.optional(),
    /** The SSH password, from this environment variable. */
    passwordEnv: envName.optional(),
    /** The bastion's host key fingerprint; any other key is refused. */
    hostKey: z.string().regex(SSH_FINGERPRINT, { message: 'must be a fingerprint "SHA256:…" as `ssh-keygen -lf` prints it' }).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.privateKeyFile && !s.passwordEnv)
      ctx.addIssue({ code: 'custom', message: 'needs "privateKeyFile" or "passwordEnv" to log in to the bastion', params: { fix: 'Add "privateKeyFile": "/home/me/.ssh/id_ed25519", or "passwordEnv": "CUTOVER_SSH_PASSWORD".' } });
    if (s.passphraseEnv && !s.privateKeyFile)
      ctx.addIssue({ code: 'custom', path: ['passphraseEnv'], message: 'a passphrase belongs to a private key: "privateKeyFile" is missing', params: { fix: 'Add "privateKeyFile", or remove "passphraseEnv".' } });
  });
export type SshEndpoint = z.infer<typeof SshEndpoint>;

/** A MySQL/MariaDB server in a job file: a URL (its password inline or from passwordEnv, maybe through ssh), or a saved profile. */
export const mysqlEndpointFields = {
  url: mysqlUrl.optional(),
  profile: profileName.optional(),
  /** The password, from this environment variable (the URL then has none). */
  passwordEnv: envName.optional(),
  ssh: SshEndpoint.optional(),
};

type MysqlEndpointShape = { url?: string; profile?: string; passwordEnv?: string; ssh?: SshEndpoint };

/** The rules a MySQL endpoint of a job file follows beyond its fields' own (path: where it sits in the file). */
export function checkMysqlEndpoint(e: MysqlEndpointShape, path: string[], ctx: z.RefinementCtx): void {
  const at = (...p: string[]) => [...path, ...p];
  if (!e.url && !e.profile)
    ctx.addIssue({ code: 'custom', path, message: 'needs "url" or "profile"', params: { fix: 'Give "url": "mysql://user@host:3306" (with "passwordEnv"), or "profile": "<a saved profile>".' } });
  if (e.url && e.profile) ctx.addIssue({ code: 'custom', path, message: 'has both "url" and "profile"', params: { fix: 'Keep one of them.' } });
  if (e.profile && (e.passwordEnv || e.ssh))
    ctx.addIssue({ code: 'custom', path: at(e.passwordEnv ? 'passwordEnv' : 'ssh'), message: 'a profile carries its own password and SSH tunnel', params: { fix: 'Remove "passwordEnv" and "ssh", or use "url" instead of "profile".' } });
  if (!e.url) return;
  let parts: ReturnType<typeof mysqlUrlParts>;
  try {
    parts = mysqlUrlParts(e.url);
  } catch {
    return; // the URL's own check reports it
  }
  if (e.passwordEnv && parts.password !== undefined)
    ctx.addIssue({ code: 'custom', path: at('passwordEnv'), message: 'the URL already holds a password', params: { fix: 'Remove the password from the URL (mysql://user@host:3306), or remove "passwordEnv".' } });
  if (e.ssh && parts.params.some(([k]) => k === 'socket'))
    ctx.addIssue({ code: 'custom', path: at('ssh'), message: 'a Unix socket (socket=…) is a local connection: it cannot go through an SSH tunnel', params: { fix: 'Remove "ssh", or use the server\'s host and port as the bastion reaches them.' } });
}

/** The Kafka sink's SASL login in a job file: the password from an environment variable. */
export const SaslEndpoint = z.object({ mechanism: z.enum(SASL_MECHANISMS), username: z.string().min(1).max(255), passwordEnv: envName }).strict();
/** The resolved SASL login, password included. */
export const SaslConfig = z.object({ mechanism: z.enum(SASL_MECHANISMS), username: z.string().min(1).max(255), password: z.string() }).strict();
export type SaslConfig = z.infer<typeof SaslConfig>;
export { TlsSettings };

/** "host:port" (a host name, an IPv4 address or a bracketed IPv6 address). */
export const brokerAddress = z
  .string()
  .regex(/^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/, { message: 'must be "host:port", e.g. "127.0.0.1:9092"' });

/** The Kafka endpoint in a job file: brokers (with TLS / SASL) or a saved profile. */
export const kafkaEndpointFields = {
  brokers: z.array(brokerAddress).min(1).optional(),
  profile: profileName.optional(),
  tls: TlsSettings.optional(),
  sasl: SaslEndpoint.optional(),
};

export function checkKafkaEndpoint(e: { brokers?: string[]; profile?: string; tls?: unknown; sasl?: unknown }, path: string[], ctx: z.RefinementCtx): void {
  if (!e.brokers && !e.profile)
    ctx.addIssue({ code: 'custom', path: [...path, 'brokers'], message: 'is required (or "profile")', params: { fix: 'List the bootstrap brokers: "brokers": ["127.0.0.1:9092"], or name a saved profile: "profile": "my-kafka".' } });
  if (e.brokers && e.profile) ctx.addIssue({ code: 'custom', path, message: 'has both "brokers" and "profile"', params: { fix: 'Keep one of them.' } });
  if (e.profile && (e.tls || e.sasl))
    ctx.addIssue({ code: 'custom', path: [...path, e.tls ? 'tls' : 'sasl'], message: 'a profile carries its own TLS and SASL settings', params: { fix: 'Remove "tls" and "sasl", or use "brokers" instead of "profile".' } });
}

// ---- exports of a saved profile into a job file ----

/** A MySQL endpoint as a job file says it. */
export interface MysqlEndpointFile {
  url?: string;
  profile?: string;
  passwordEnv?: string;
  ssh?: Partial<SshEndpoint> & Pick<SshEndpoint, 'host' | 'port' | 'user'>;
}
/** A Kafka endpoint as a job file says it. */
export interface KafkaEndpointFile {
  brokers?: string[];
  profile?: string;
  tls?: TlsSettings;
  sasl?: z.infer<typeof SaslEndpoint>;
}

/** A search cluster endpoint as a job file says it. */
export interface SearchEndpointFile {
  url?: string;
  profile?: string;
  username?: string;
  passwordEnv?: string;
  apiKeyEnv?: string;
  caFile?: string;
}

/** A PostgreSQL endpoint as a job file says it. */
export interface PostgresEndpointFile {
  url?: string;
  profile?: string;
  passwordEnv?: string;
}

/** Each profile kind's endpoint as a job file says it (engine/core/profile-rules.ts writes them from a saved profile). */
export interface JobFileEndpoints {
  mysql: MysqlEndpointFile;
  kafka: KafkaEndpointFile;
  postgres: PostgresEndpointFile;
  elasticsearch: SearchEndpointFile;
}

/** A topic or index name template: literal characters and the placeholders listed in `allowed` (e.g. {db}, {table}). */
export function topicTemplate(allowed: readonly string[]) {
  return z
    .string()
    .min(1)
    .max(249)
    .superRefine((s, ctx) => {
      for (const m of s.matchAll(/\{([^}]*)\}/g)) {
        if (!allowed.includes(m[1]!))
          ctx.addIssue({ code: 'custom', message: `unknown placeholder {${m[1]}}: use ${allowed.map((a) => `{${a}}`).join(' and ')}, or a fixed name` });
      }
    });
}
