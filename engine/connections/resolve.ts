// From a job file (shared/job-config.ts JobFile) to the job the engine runs (JobConfig): saved profiles
// looked up in the state file and their secrets decrypted, secrets named by environment variables read,
// SSH tunnels opened and the URLs pointed at them (ssl-servername keeps the real host name for
// VERIFY_IDENTITY), passwords percent-encoded into the URLs, the Kafka sink's TLS and SASL filled in.
// The resolved config holds secrets: it is handed to the engine and never stored (runJob stores the
// job file as written); close() closes the tunnels.
import { CutoverError } from '../../shared/errors.js';
import type { JobConfig, JobFile, KafkaSinkConfig, KafkaSourceConfig, KafkaSourceFile, KafkaSinkFile, MysqlSinkFile, PostgresSinkConfig, PostgresSinkFile, SearchSinkConfig, SearchSinkFile, SourceEndpoint } from '../../shared/job-config.js';
import { buildMysqlUrl, mysqlUrlParts, sslModeOf, tlsParamsOf } from '../../shared/mysql-url.js';
import type { KafkaProfile, MysqlProfile, PostgresProfile, Profile, ProfileSecrets } from '../../shared/profiles.js';
import { buildPostgresUrl, pgTlsParams } from '../../shared/postgres-url.js';
import { resolveStatePath } from '../state/default-path.js';
import { StateStore } from '../state/store.js';
import { ProfileStore } from './profile-store.js';
import { SecretBox } from './secret-box.js';
// ssh-tunnel.js (and ssh2) is loaded only when a connection goes through SSH.
import type { Tunnel, TunnelSsh } from './ssh-tunnel.js';

export interface ResolveContext {
  /** The state file holding the profiles (default: CUTOVER_STATE or the per-user one); opened only when a profile is named. */
  statePath?: string;
  /** An open state file (its profiles are used; it is not closed). */
  store?: StateStore;
  /** Where passwordEnv & co. are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Tunnel events (a lost SSH connection) for the job's log. */
  log?: (level: 'info' | 'warn', line: string) => void;
}

export interface ResolvedJob {
  config: JobConfig;
  /** The tunnels opened, by endpoint, with the bastion's host key (for the log). */
  tunnels: { endpoint: 'source' | 'sink'; via: string; hostKey: string; localPort: number }[];
  close(): Promise<void>;
}

export type MysqlEndpoint = SourceEndpoint | MysqlSinkFile;

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

/** Profiles, environment and tunnels of one resolution; close() closes its tunnels, done() its own state file. */
class Resolver {
  private own: StateStore | null = null;
  private profiles: ProfileStore | null = null;
  readonly env: NodeJS.ProcessEnv;
  readonly open: Tunnel[] = [];
  readonly tunnels: ResolvedJob['tunnels'] = [];

  constructor(private readonly ctx: ResolveContext) {
    this.env = ctx.env ?? process.env;
  }

  readonly profile = (name: string): { profile: Profile; secrets: ProfileSecrets } => {
    if (!this.profiles) {
      const store = this.ctx.store ?? (this.own = new StateStore(this.ctx.statePath ?? resolveStatePath(undefined, this.env)));
      this.profiles = new ProfileStore(store, () => SecretBox.forStatePath(store.path, this.env));
    }
    return this.profiles.get(name);
  };

  mysql(e: MysqlEndpoint, side: 'source' | 'sink'): Promise<string> {
    return mysqlUrlOf(mysqlTarget(e, side, this.env, this.profile), side, this.open, this.tunnels, this.ctx.log);
  }

  readonly close = async (): Promise<void> => {
    await Promise.all(this.open.splice(0).map((t) => t.close()));
  };

  done(): void {
    this.own?.close();
    this.own = null;
  }

  /** Runs `f`; on failure the tunnels it opened are closed. The state file opened for profiles is closed either way. */
  async run<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      await this.close();
      throw e;
    } finally {
      this.done();
    }
  }
}

export async function resolveJob(file: JobFile, ctx: ResolveContext = {}): Promise<ResolvedJob> {
  const r = new Resolver(ctx);
  return r.run(async () => {
    const source: JobConfig['source'] = file.source.type === 'kafka' ? kafkaSource(file.source, r.env, r.profile) : { url: await r.mysql(file.source, 'source') };
    const sink = await sinkOfFile(r, file.sink);
    const { source: _s, sink: _k, ...rest } = file;
    void _s;
    void _k;
    return { config: { ...rest, source, sink }, tunnels: r.tunnels, close: r.close };
  });
}

/** A job file's sink alone, as the engine connects to it (e.g. to delete the job's checkpoint there); close() closes its tunnel. */
export async function resolveSink(file: JobFile['sink'], ctx: ResolveContext = {}): Promise<{ sink: JobConfig['sink']; close(): Promise<void> }> {
  const r = new Resolver(ctx);
  return r.run(async () => ({ sink: await sinkOfFile(r, file), close: r.close }));
}

async function sinkOfFile(r: Resolver, file: JobFile['sink']): Promise<JobConfig['sink']> {
  if (file.type === 'kafka') return kafkaSink(file, r.env, r.profile);
  if (file.type === 'postgres') return postgresSink(file, r.env, r.profile);
  if (file.type === 'elasticsearch') return searchSink(file, r.env);
  const { type, batchBytes } = file;
  return { type, url: await r.mysql(file, 'sink'), ...(batchBytes !== undefined ? { batchBytes } : {}) };
}

/** One MySQL endpoint of a job file (e.g. only the sink, to empty a table): its URL, and close() for its tunnel. */
export async function resolveMysqlEndpoint(e: MysqlEndpoint, side: 'source' | 'sink', ctx: ResolveContext = {}): Promise<{ url: string; close(): Promise<void> }> {
  const r = new Resolver(ctx);
  return r.run(async () => ({ url: await r.mysql(e, side), close: r.close }));
}

/** An environment variable's value; a CutoverError naming it (and what it is for) when it is not set. */
export function readEnv(env: NodeJS.ProcessEnv, name: string, what: string, path: string): string {
  const v = env[name];
  if (v === undefined || v === '')
    throw new CutoverError(`The environment variable ${name} is not set; the job file takes ${what} from it (${path}).`, `export ${name}='…'   (${what}), then run again.`, 'CONFIG');
  return v;
}

function mysqlTarget(e: MysqlEndpoint, side: 'source' | 'sink', env: NodeJS.ProcessEnv, profile: (n: string) => { profile: Profile; secrets: ProfileSecrets }): MysqlTarget {
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

/**
 * The URL to connect with: through a new tunnel when the target has one (host and port become the
 * tunnel's 127.0.0.1 port; VERIFY_IDENTITY then checks the certificate against the real host name).
 */
export async function mysqlUrlOf(
  t: MysqlTarget,
  side: 'source' | 'sink',
  open: Tunnel[],
  tunnels: ResolvedJob['tunnels'] = [],
  log?: ResolveContext['log'],
): Promise<string> {
  let { host, port } = t;
  let params = t.params;
  if (t.ssh) {
    const { openTunnel } = await import('./ssh-tunnel.js');
    const tunnel = await openTunnel({ ssh: t.ssh.settings, secrets: { password: t.ssh.password, passphrase: t.ssh.passphrase }, targetHost: t.host, targetPort: t.port, log });
    open.push(tunnel);
    const via = `${t.ssh.settings.user}@${t.ssh.settings.host}:${t.ssh.settings.port}`;
    tunnels.push({ endpoint: side, via, hostKey: tunnel.hostKey, localPort: tunnel.localPort });
    host = '127.0.0.1';
    port = tunnel.localPort;
    const mode = params.find(([k]) => k === 'ssl-mode')?.[1]?.toUpperCase();
    if (mode === sslModeOf('verify-identity') && !params.some(([k]) => k === 'ssl-servername')) params = [...params, ['ssl-servername', t.host]];
  }
  return buildMysqlUrl({ user: t.user, password: t.password, host, port, database: t.database, params });
}

function kafkaSink(f: KafkaSinkFile, env: NodeJS.ProcessEnv, profile: (n: string) => { profile: Profile; secrets: ProfileSecrets }): KafkaSinkConfig {
  const { profile: name, brokers, tls, sasl, ...options } = f;
  if (name) {
    const { profile: p, secrets } = profile(name);
    if (p.kind !== 'kafka') throw new CutoverError(`The profile "${p.name}" is not a Kafka profile; a Kafka sink needs a Kafka one ($.sink.profile).`, 'Name a Kafka profile, or use "type": "mysql".', 'CONFIG');
    return { ...options, ...kafkaProfileSettings(p, secrets) };
  }
  const out: KafkaSinkConfig = { ...options, brokers: brokers! };
  if (tls && tls.mode !== 'disabled') out.tls = tls;
  if (sasl) out.sasl = { mechanism: sasl.mechanism, username: sasl.username, password: readEnv(env, sasl.passwordEnv, `the SASL password of ${sasl.username}`, '$.sink.sasl.passwordEnv') };
  return out;
}

/** The Kafka source: brokers, TLS and SASL resolved exactly as for the Kafka sink. */
function kafkaSource(f: KafkaSourceFile, env: NodeJS.ProcessEnv, profile: (n: string) => { profile: Profile; secrets: ProfileSecrets }): KafkaSourceConfig {
  const { profile: name, brokers, tls, sasl, ...options } = f;
  if (name) {
    const { profile: p, secrets } = profile(name);
    if (p.kind !== 'kafka') throw new CutoverError(`The profile "${p.name}" is not a Kafka profile; a Kafka source needs a Kafka one ($.source.profile).`, 'Name a Kafka profile, or give "brokers".', 'CONFIG');
    return { ...options, ...kafkaProfileSettings(p, secrets) };
  }
  const out: KafkaSourceConfig = { ...options, brokers: brokers! };
  if (tls && tls.mode !== 'disabled') out.tls = tls;
  if (sasl) out.sasl = { mechanism: sasl.mechanism, username: sasl.username, password: readEnv(env, sasl.passwordEnv, `the SASL password of ${sasl.username}`, '$.source.sasl.passwordEnv') };
  return out;
}

/** A Kafka profile's brokers, TLS and SASL (password included) as the resolved sink config takes them. */
export function kafkaProfileSettings(p: KafkaProfile, secrets: ProfileSecrets): Pick<KafkaSinkConfig, 'brokers' | 'tls' | 'sasl'> {
  return {
    brokers: [...p.brokers],
    ...(p.tls.mode !== 'disabled' ? { tls: p.tls } : {}),
    ...(p.sasl ? { sasl: { ...p.sasl, password: secrets.password ?? '' } } : {}),
  };
}

/** Where a saved connection's topics are (a Kafka profile: brokers, TLS, SASL with its password); null for a profile of a server without topics. */
export function topicConnection(p: Profile, secrets: ProfileSecrets): Pick<KafkaSinkConfig, 'brokers' | 'tls' | 'sasl'> | null {
  return p.kind === 'kafka' ? kafkaProfileSettings(p, secrets) : null;
}

/** The PostgreSQL sink: a saved profile's URL (password and sslmode in it), or the password from "passwordEnv" percent-encoded into its URL. */
function postgresSink(f: PostgresSinkFile, env: NodeJS.ProcessEnv, profile: (n: string) => { profile: Profile; secrets: ProfileSecrets }): PostgresSinkConfig {
  const { passwordEnv, profile: name, url, ...options } = f;
  if (name) {
    const { profile: p, secrets } = profile(name);
    if (p.kind !== 'postgres')
      throw new CutoverError(`The profile "${p.name}" is not a PostgreSQL profile; a PostgreSQL sink needs one ($.sink.profile).`, 'Name a PostgreSQL profile, or give "url".', 'CONFIG');
    return { ...options, url: postgresProfileUrl(p, secrets) };
  }
  const sink = { ...options, url: url! };
  if (!passwordEnv) return sink;
  const u = new URL(sink.url);
  u.password = encodeURIComponent(readEnv(env, passwordEnv, "the sink's password", '$.sink.passwordEnv'));
  return { ...sink, url: u.toString() };
}

/** A search sink: its credentials read from the environment variables the job file names. */
function searchSink(f: SearchSinkFile, env: NodeJS.ProcessEnv): SearchSinkConfig {
  const { profile, username, usernameEnv, passwordEnv, apiKeyEnv, url, ...options } = f;
  if (profile || !url) throw new CutoverError('Saved profiles for search clusters are not available yet ($.sink.profile).', 'Give "url": "http://host:9200" with "usernameEnv"/"passwordEnv" or "apiKeyEnv".', 'CONFIG');
  if (apiKeyEnv) return { ...options, url, auth: { apiKey: readEnv(env, apiKeyEnv, "the search cluster's API key", '$.sink.apiKeyEnv') } };
  if (passwordEnv) {
    const user = username ?? readEnv(env, usernameEnv!, "the search cluster's user name", '$.sink.usernameEnv');
    return { ...options, url, auth: { username: user, password: readEnv(env, passwordEnv, "the search cluster's password", '$.sink.passwordEnv') } };
  }
  return { ...options, url };
}

/** A saved PostgreSQL profile as the URL the sink connects with (password and sslmode parameters in it). */
export function postgresProfileUrl(p: PostgresProfile, secrets: ProfileSecrets): string {
  return buildPostgresUrl({ user: p.user, password: secrets.password, host: p.host, port: p.port, database: p.database, params: pgTlsParams(p.tls) });
}
