// A saved PostgreSQL profile: its password; exported into a job file as a postgres:// URL with its TLS parameters.
import { buildPostgresUrl, pgTlsParams } from '../../../shared/postgres-url.js';
import type { PostgresEndpointFile } from '../../../shared/job-endpoints.js';
import { profileRules } from '../../core/profile-rules.js';

export const postgresProfileRules = profileRules('postgres', {
  usedSecrets: () => ['password'],
  missingSecrets: () => [],
  jobFileEndpoint: (p, prefix, has) => {
    const out: PostgresEndpointFile = { url: buildPostgresUrl({ user: p.user, host: p.host, port: p.port, database: p.database, params: pgTlsParams(p.tls) }) };
    if (has?.password ?? true) out.passwordEnv = `${prefix}_PASSWORD`;
    return out;
  },
  describe: (p) => `${p.user}@${p.host}:${p.port}/${p.database}${p.tls.mode !== 'disabled' ? `, TLS ${p.tls.mode}` : ''}`,
});
