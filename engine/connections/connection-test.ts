// The Test button of a connection profile: goes through each leg in order and reports the first that
// fails, with what is wrong and the fix. MySQL/MariaDB: the SSH tunnel (and the bastion's host key, for
// pinning), the network, TLS, the login, then the server (flavor, version, CURRENT_USER(), the TLS
// version negotiated). Kafka: the brokers answer describeCluster (cluster id, brokers). PostgreSQL: the
// sink's own test (engine/sink/postgres/connection-test.ts: network, TLS, login, database, version,
// privileges). Elasticsearch/OpenSearch: the root endpoint answers with its flavour and version
// (engine/sink/elasticsearch/connection-test.ts). Never throws,
// always closes what it opened, and gives up after a timeout.
import { CutoverError } from '../../shared/errors.js';
import { Profile, type ConnectionTestResult, type KafkaProfile, type MysqlProfile, type PostgresProfile, type ProfileSecrets, type SearchProfile } from '../../shared/profiles.js';
import { issueLines } from '../../shared/validation-errors.js';
import { connect, parseMysqlUrl, queryRows, type Connection } from '../mysql/connection.js';
import { readServerInfo } from '../mysql/server-info.js';
import { mysqlUrlOf, profileTarget, type ResolvedJob } from './resolve.js';
import { kafkaProfileSettings } from '../kafka/endpoint-settings.js';
import type { Tunnel } from './ssh-tunnel.js';
import { tlsConnectionOptions } from '../core/tls-files.js';

type Stage = NonNullable<ConnectionTestResult['stage']>;

const TIMEOUT_MS = 15_000;

function failed(stage: Stage, message: string, fix: string | null, extra: Partial<ConnectionTestResult> = {}): ConnectionTestResult {
  return { ok: false, stage, message, fix, ...extra };
}

/** Tests a profile with these secrets (stored or just typed). */
export async function testProfile(profile: Profile, secrets: ProfileSecrets, opts: { timeoutMs?: number } = {}): Promise<ConnectionTestResult> {
  const parsed = Profile.safeParse(profile);
  if (!parsed.success) return failed('config', `The profile is not valid:\n${issueLines(parsed.error.issues).join('\n')}`, 'Correct the fields above.');
  const cleanup: (() => Promise<void>)[] = [];
  const timeoutMs = opts.timeoutMs ?? TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ConnectionTestResult>((resolve) => {
    timer = setTimeout(
      () => resolve(failed('network', `No answer within ${timeoutMs / 1000} s.`, 'Check the host and port, and the firewalls between this machine and the server (or the bastion).')),
      timeoutMs,
    );
  });
  const sshHostKey: { value?: string } = {};
  const run = (TESTS[parsed.data.kind] as Tester<Profile>)(parsed.data, secrets, cleanup, sshHostKey);
  try {
    const r = await Promise.race([run.catch((e: unknown) => unexpected(e)), timeout]);
    return sshHostKey.value && !r.sshHostKey ? { ...r, sshHostKey: sshHostKey.value } : r;
  } finally {
    clearTimeout(timer);
    // A leg still pending at the timeout closes what it opens once it settles.
    void run.finally(() => Promise.all(cleanup.splice(0).map((c) => c().catch(() => undefined)))).catch(() => undefined);
    await Promise.all(cleanup.splice(0).map((c) => c().catch(() => undefined)));
  }
}

function unexpected(e: unknown): ConnectionTestResult {
  if (e instanceof CutoverError) return failed('server', e.message, e.fix ?? null);
  return failed('server', `The test failed: ${(e as Error)?.message ?? String(e)}`, null);
}

/** Which leg a connection error belongs to. */
function stageOf(e: CutoverError, errno?: number): Stage {
  if (e.code === 'TLS') return 'tls';
  if (e.code === 'CONFIG') return 'config';
  if (e.code === 'UNREACHABLE' || /cannot be resolved|Timed out/.test(e.message)) return 'network';
  if (errno === 1045 || errno === 1044 || errno === 1130 || /Access denied|not allow/i.test(e.message)) return 'auth';
  return 'network';
}

type Tester<P> = (p: P, secrets: ProfileSecrets, cleanup: (() => Promise<void>)[], hostKey: { value?: string }) => Promise<ConnectionTestResult>;

/** The Test of each profile kind (a table of profile kinds: each kind's legs are its own). */
const TESTS: { [K in Profile['kind']]: Tester<Extract<Profile, { kind: K }>> } = {
  mysql: (p, secrets, cleanup, hostKey) => testMysql(p, secrets, cleanup, hostKey),
  kafka: (p, secrets, cleanup) => testKafka(p, secrets, cleanup),
  postgres: (p, secrets, cleanup) => testPostgresProfile(p, secrets, cleanup),
  elasticsearch: (p, secrets, cleanup) => testSearchProfile(p, secrets, cleanup),
};

async function testSearchProfile(p: SearchProfile, secrets: ProfileSecrets, cleanup: (() => Promise<void>)[]): Promise<ConnectionTestResult> {
  // Loaded only for search profiles.
  const { testSearch } = await import('../sink/elasticsearch/connection-test.js');
  return testSearch(p, secrets, cleanup);
}

async function testPostgresProfile(p: PostgresProfile, secrets: ProfileSecrets, cleanup: (() => Promise<void>)[]): Promise<ConnectionTestResult> {
  // Loaded only for PostgreSQL profiles (pg is not needed otherwise).
  const { testPostgres } = await import('../sink/postgres/connection-test.js');
  const { postgresProfileUrl } = await import('../sink/postgres/resolve-file.js');
  const target = { url: postgresProfileUrl(p, secrets), host: p.host, port: p.port, user: p.user, database: p.database, tlsMode: p.tls.mode, hasPassword: !!secrets.password };
  return testPostgres(target, cleanup, TIMEOUT_MS - 1000);
}

async function testMysql(p: MysqlProfile, secrets: ProfileSecrets, cleanup: (() => Promise<void>)[], hostKey: { value?: string }): Promise<ConnectionTestResult> {
  const target = profileTarget(p, secrets);
  const via = p.ssh ? ` through ssh ${p.ssh.user}@${p.ssh.host}:${p.ssh.port}` : '';
  // 1. the SSH tunnel (it also checks that the bastion reaches the server)
  let url: string;
  const open: Tunnel[] = [];
  cleanup.push(async () => {
    await Promise.all(open.splice(0).map((t) => t.close()));
  });
  try {
    const tunnels: ResolvedJob['tunnels'] = [];
    url = await mysqlUrlOf(target, 'source', open, tunnels);
    hostKey.value = tunnels[0]?.hostKey;
  } catch (e) {
    const err = e instanceof CutoverError ? e : new CutoverError(String((e as Error)?.message ?? e));
    // The bastion is fine but cannot reach the server: the network leg; anything else is the tunnel's.
    const stage: Stage = err.code === 'UNREACHABLE' && /could not reach|did not reach/.test(err.message) ? 'network' : err.code === 'CONFIG' && !/SSH/.test(err.message) ? 'config' : 'ssh';
    return failed(stage, err.message, err.fix ?? null);
  }
  // 2–4. network, TLS, login
  let conn: Connection;
  try {
    conn = await connect(parseMysqlUrl(url));
  } catch (e) {
    const err = e instanceof CutoverError ? e : new CutoverError(String((e as Error)?.message ?? e));
    return failed(stageOf(err, (e as { errno?: number }).errno), err.message, err.fix ?? null);
  }
  cleanup.push(() => conn.end());
  // 5. the server
  try {
    const info = await readServerInfo(conn);
    const [who] = await queryRows<{ u: string }>(conn, 'SELECT CURRENT_USER() AS u');
    const [ssl] = await queryRows<{ Value: string }>(conn, "SHOW SESSION STATUS LIKE 'Ssl_version'");
    const tlsVersion = ssl?.Value ? String(ssl.Value) : undefined;
    const account = String(who?.u ?? p.user).replace(/^(.*)@(.*)$/, "'$1'@'$2'");
    const flavor = info.flavor === 'mariadb' ? 'MariaDB' : 'MySQL';
    return {
      ok: true,
      message: `Connected to ${flavor} ${info.version} as ${account}${tlsVersion ? ` over TLS (${tlsVersion})` : ' without TLS'}${via}.`,
      server: { flavor: info.flavor === 'mariadb' ? 'mariadb' : 'mysql', version: info.version },
      ...(tlsVersion ? { tlsVersion } : {}),
    };
  } catch (e) {
    return failed('server', `Connected, but reading the server's version failed: ${(e as Error).message}`, 'Check that the account may run SELECT VERSION() and SHOW STATUS.');
  }
}

async function testKafka(p: KafkaProfile, secrets: ProfileSecrets, cleanup: (() => Promise<void>)[]): Promise<ConnectionTestResult> {
  // Loaded only for Kafka profiles (kafkajs is not needed otherwise).
  const { kafkaClient, kafkaErrorText, errorChain } = await import('../kafka/client.js');
  const settings = kafkaProfileSettings(p, secrets);
  let admin;
  try {
    tlsConnectionOptions(settings.tls, 'tls'); // the files, named as the profile names them
    admin = kafkaClient({ brokers: settings.brokers, clientId: 'cutover-test', retries: 0, connectionTimeout: 5000, tls: settings.tls, sasl: settings.sasl }).admin();
  } catch (e) {
    const err = e instanceof CutoverError ? e : new CutoverError(String((e as Error)?.message ?? e));
    return failed('config', err.message, err.fix ?? null);
  }
  cleanup.push(() => admin.disconnect());
  try {
    await admin.connect();
    const c = await admin.describeCluster();
    const brokers = c.brokers.map((b) => `${b.host}:${b.port}`);
    return { ok: true, message: `Connected to Kafka cluster ${c.clusterId}: ${brokers.length} broker(s) (${brokers.join(', ')})${settings.tls ? ', over TLS' : ''}${settings.sasl ? `, as ${settings.sasl.username}` : ''}.`, kafka: { clusterId: c.clusterId, brokers } };
  } catch (e) {
    const text = kafkaErrorText(e);
    const chain = errorChain(e);
    if (chain.some((x) => /SASL/i.test(`${x.name ?? ''} ${x.type ?? ''} ${x.message ?? ''}`)))
      return failed('auth', `The brokers refused the SASL login of ${settings.sasl?.username ?? '(no user)'}: ${text}`, 'Check the user name, the password and the mechanism (the broker\'s sasl.enabled.mechanisms).');
    if (chain.some((x) => /certificate|self[- ]signed|SSL|TLS|altnames|EPROTO/i.test(`${x.code ?? ''} ${x.message ?? ''}`)))
      return failed('tls', `TLS with the brokers failed: ${text}`, p.tls.mode === 'disabled' ? 'The listener may expect TLS: choose a TLS mode.' : 'Check the CA file (it must have signed the brokers\' certificates) and the host names the certificates list, or use verify-ca.');
    return failed('network', `No broker of ${settings.brokers.join(', ')} answered: ${text}`, `Check that the brokers run and are reachable from this machine (kcat -b ${settings.brokers[0]} -L); the addresses they advertise (advertised.listeners) must be reachable too.`);
  }
}
