// From a job file (shared/job-config.ts JobFile) to the job the engine runs (JobConfig): saved profiles
// looked up in the state file and their secrets decrypted, secrets named by environment variables read,
// SSH tunnels opened and the URLs pointed at them (ssl-servername keeps the real host name for
// VERIFY_IDENTITY), passwords percent-encoded into the URLs, the Kafka sink's TLS and SASL filled in.
// The resolved config holds secrets: it is handed to the engine and never stored (runJob stores the
// job file as written); close() closes the tunnels.
import { CutoverError } from '../../shared/errors.js';
import type { JobConfig, JobFile } from '../../shared/job-config.js';
import { buildMysqlUrl, sslModeOf } from '../../shared/mysql-url.js';
import { mysqlTarget, type MysqlTarget } from './mysql-target.js';
import type { Profile, ProfileSecrets } from '../../shared/profiles.js';
import type { KafkaConnection } from '../kafka/endpoint-settings.js';
import { sinkKind } from '../sink/registry.js';
import { sourceKind, sourceKinds, sourceOf } from '../source/registry.js';
import { readEnv, type EndpointTools, type MysqlEndpoint } from '../core/endpoint-tools.js';
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

export type { MysqlEndpoint } from '../core/endpoint-tools.js';

export { profileTarget, type MysqlTarget } from './mysql-target.js';

/** Profiles, environment and tunnels of one resolution; close() closes its tunnels, done() its own state file. */
class Resolver implements EndpointTools {
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

  readonly mysqlUrl = (e: MysqlEndpoint, side: 'source' | 'sink'): Promise<string> => {
    return mysqlUrlOf(mysqlTarget(e, side, this.env, this.profile), side, this.open, this.tunnels, this.ctx.log);
  };

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
    const source = await sourceOf(file).resolveFile(file.source, r);
    const sink = await sinkKind(file.sink.type).resolveFile(file.sink, r);
    const { source: _s, sink: _k, ...rest } = file;
    void _s;
    void _k;
    return { config: { ...rest, source, sink }, tunnels: r.tunnels, close: r.close };
  });
}

/** A job file's sink alone, as the engine connects to it (e.g. to delete the job's checkpoint there); close() closes its tunnel. */
export async function resolveSink(file: JobFile['sink'], ctx: ResolveContext = {}): Promise<{ sink: JobConfig['sink']; close(): Promise<void> }> {
  const r = new Resolver(ctx);
  return r.run(async () => ({ sink: await sinkKind(file.type).resolveFile(file, r), close: r.close }));
}

/** One MySQL endpoint of a job file (e.g. only the sink, to empty a table): its URL, and close() for its tunnel. */
export async function resolveMysqlEndpoint(e: MysqlEndpoint, side: 'source' | 'sink', ctx: ResolveContext = {}): Promise<{ url: string; close(): Promise<void> }> {
  const r = new Resolver(ctx);
  return r.run(async () => ({ url: await r.mysqlUrl(e, side), close: r.close }));
}

export { readEnv } from '../core/endpoint-tools.js';

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

/** Where a saved connection's topics are (asked of the source kind of the profile's kind: a Kafka profile's brokers, TLS, SASL with its password); null for a profile of a server without topics. */
export function topicConnection(p: Profile, secrets: ProfileSecrets): KafkaConnection | null {
  const kind = sourceKinds().find((d) => d.kind === p.kind);
  return (kind && sourceKind(kind.kind).topicsOf?.(p, secrets)) ?? null;
}
