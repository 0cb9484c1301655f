// A job file's search sink as the engine runs it: a saved profile's URL, credentials and CA file, or the
// URL with its credentials from the environment variables the job file names.
import { CutoverError } from '../../../shared/errors.js';
import type { JobFile, SearchSinkConfig, SearchSinkFile } from '../../../shared/job-config.js';
import type { ProfileSecrets, SearchProfile } from '../../../shared/profiles.js';
import { readEnv, wrongProfile, type EndpointTools } from '../../core/endpoint-tools.js';

/** A search profile's address, credentials and CA file as the resolved sink takes them. */
export function searchProfileSettings(p: SearchProfile, secrets: ProfileSecrets): Pick<SearchSinkConfig, 'url' | 'auth' | 'caFile'> {
  const secret = secrets.password ?? '';
  return {
    url: p.url,
    ...(p.auth === 'basic' ? { auth: { username: p.username!, password: secret } } : p.auth === 'apiKey' ? { auth: { apiKey: secret } } : {}),
    ...(p.caFile ? { caFile: p.caFile } : {}),
  };
}

export function resolveSearchSink(file: JobFile['sink'], tools: EndpointTools): SearchSinkConfig {
  if (file.type !== 'elasticsearch') throw new Error('not a search sink');
  const f: SearchSinkFile = file;
  const { profile, username, usernameEnv, passwordEnv, apiKeyEnv, url, ...options } = f;
  if (profile) {
    const { profile: p, secrets } = tools.profile(profile);
    if (p.kind !== 'elasticsearch') throw wrongProfile(p.name, 'search cluster', 'a search sink needs an Elasticsearch/OpenSearch one', '$.sink.profile', 'Name a search cluster profile, or give "url".');
    return { ...options, ...searchProfileSettings(p, secrets), ...(options.caFile ? { caFile: options.caFile } : {}) };
  }
  if (!url) throw new CutoverError('The search sink has neither "url" nor "profile" ($.sink).', 'Give "url": "http://host:9200", or "profile": "<a saved search connection>".', 'CONFIG');
  if (apiKeyEnv) return { ...options, url, auth: { apiKey: readEnv(tools.env, apiKeyEnv, "the search cluster's API key", '$.sink.apiKeyEnv') } };
  if (passwordEnv) {
    const user = username ?? readEnv(tools.env, usernameEnv!, "the search cluster's user name", '$.sink.usernameEnv');
    return { ...options, url, auth: { username: user, password: readEnv(tools.env, passwordEnv, "the search cluster's password", '$.sink.passwordEnv') } };
  }
  return { ...options, url };
}
