// A job file's PostgreSQL sink as the engine runs it: a saved profile's URL (password and sslmode in it),
// or the URL with the password from "passwordEnv" percent-encoded into it.
import type { JobFile, PostgresSinkConfig } from '../../../shared/job-config.js';
import type { PostgresProfile, ProfileSecrets } from '../../../shared/profiles.js';
import { buildPostgresUrl, pgTlsParams } from '../../../shared/postgres-url.js';
import { readEnv, wrongProfile, type EndpointTools } from '../../core/endpoint-tools.js';

/** A saved PostgreSQL profile as the URL the sink connects with (password and sslmode parameters in it). */
export function postgresProfileUrl(p: PostgresProfile, secrets: ProfileSecrets): string {
  return buildPostgresUrl({ user: p.user, password: secrets.password, host: p.host, port: p.port, database: p.database, params: pgTlsParams(p.tls) });
}

export function resolvePostgresSink(file: JobFile['sink'], tools: EndpointTools): PostgresSinkConfig {
  if (file.type !== 'postgres') throw new Error('not a PostgreSQL sink');
  const { passwordEnv, profile: name, url, ...options } = file;
  if (name) {
    const { profile: p, secrets } = tools.profile(name);
    if (p.kind !== 'postgres') throw wrongProfile(p.name, 'PostgreSQL', 'a PostgreSQL sink needs one', '$.sink.profile', 'Name a PostgreSQL profile, or give "url".');
    return { ...options, url: postgresProfileUrl(p, secrets) };
  }
  const sink = { ...options, url: url! };
  if (!passwordEnv) return sink;
  const u = new URL(sink.url);
  u.password = encodeURIComponent(readEnv(tools.env, passwordEnv, "the sink's password", '$.sink.passwordEnv'));
  return { ...sink, url: u.toString() };
}
