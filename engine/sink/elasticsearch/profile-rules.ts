// A saved Elasticsearch/OpenSearch profile: one secret, the password of basic authentication or the API
// key (both kept as "password"), none without authentication; exported into a job file as the URL with
// the user name and the secret's environment variable.
import type { SearchEndpointFile } from '../../../shared/job-endpoints.js';
import { profileRules } from '../../core/profile-rules.js';

export const searchProfileRules = profileRules('elasticsearch', {
  usedSecrets: (p) => (p.auth !== 'none' ? ['password'] : []),
  missingSecrets: (p, s) => (p.auth !== 'none' && !s.password ? [`  $.secrets.password: ${p.auth === 'basic' ? `basic authentication needs the password of ${p.username}` : 'the API key is missing'}`] : []),
  jobFileEndpoint: (p, prefix) => {
    const out: SearchEndpointFile = { url: p.url };
    if (p.auth === 'basic') Object.assign(out, { username: p.username, passwordEnv: `${prefix}_PASSWORD` });
    if (p.auth === 'apiKey') out.apiKeyEnv = `${prefix}_API_KEY`;
    if (p.caFile) out.caFile = p.caFile;
    return out;
  },
  describe: (p) => `${p.url}${p.auth === 'basic' ? ` as ${p.username}` : p.auth === 'apiKey' ? ', API key' : ''}${p.caFile ? ', CA file' : ''}`,
});
