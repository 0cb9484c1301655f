// The Test of a saved search connection: the cluster's root endpoint answers (network, TLS with the CA file,
// the login), and says which flavour and version it is. Never throws; the caller closes what it registers.
import type { ConnectionTestResult, ProfileSecrets, SearchProfile } from '../../../shared/profiles.js';
import { CutoverError } from '../../../shared/errors.js';
import { detectCluster } from './cluster.js';
import { SearchClient, SearchHttpError } from './http.js';
import { searchProfileSettings } from './resolve-file.js';

export async function testSearch(p: SearchProfile, secrets: ProfileSecrets, cleanup: (() => Promise<void>)[]): Promise<ConnectionTestResult> {
  let client: SearchClient;
  try {
    client = new SearchClient(searchProfileSettings(p, secrets), undefined, undefined, 0);
  } catch (e) {
    const err = e instanceof CutoverError ? e : new CutoverError(String((e as Error)?.message ?? e));
    return { ok: false, stage: 'config', message: err.message, fix: err.fix ?? null };
  }
  cleanup.push(async () => client.close());
  try {
    const info = await detectCluster(client);
    const how = p.auth === 'basic' ? ` as ${p.username}` : p.auth === 'apiKey' ? ' with an API key' : '';
    return { ok: true, message: `Connected to ${info.title} at ${client.where}${how}${p.url.startsWith('https:') ? ' over TLS' : ''}.`, search: { flavour: info.flavour, version: info.version } };
  } catch (e) {
    if (e instanceof SearchHttpError && (e.status === 401 || e.status === 403))
      return { ok: false, stage: 'auth', message: `The cluster refused the login (HTTP ${e.status}): ${e.message}`, fix: p.auth === 'none' ? 'The cluster asks for credentials: choose basic authentication or an API key.' : 'Check the user name and password, or the API key (and that it is not expired).' };
    const err = e instanceof CutoverError ? e : new CutoverError(String((e as Error)?.message ?? e));
    const text = `${err.message} ${(e as { cause?: unknown }).cause ?? ''}`;
    if (/certificate|self[- ]signed|SSL|TLS|EPROTO/i.test(text))
      return { ok: false, stage: 'tls', message: err.message, fix: 'Give the CA file that signed the cluster\'s certificate, and use the host name the certificate names.' };
    return { ok: false, stage: err.code === 'CONFIG' ? 'server' : 'network', message: err.message, fix: err.fix ?? null };
  }
}
