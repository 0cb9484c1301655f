// Which search cluster answers: Elasticsearch or OpenSearch, and its version, from the root endpoint's
// answer ({"version": {"distribution": "opensearch", "number": "2.19.1"}} or {"version": {"number":
// "7.17.10", "build_flavor": …}}). One driver serves Elasticsearch 7.x/8.x and OpenSearch 1.x/2.x: the
// requests it sends (index creation with mappings, _bulk without types, settings) are the same on all.
import { CutoverError } from '../../../shared/errors.js';
import type { SearchClient } from './http.js';

export interface ClusterInfo {
  flavour: 'elasticsearch' | 'opensearch';
  version: string;
  major: number;
  /** "OpenSearch 2.19.1", "Elasticsearch 7.17.10". */
  title: string;
}

export function clusterInfoOf(body: unknown): ClusterInfo {
  const v = (body as { version?: { number?: unknown; distribution?: unknown } } | null)?.version;
  const number = typeof v?.number === 'string' ? v.number : '';
  const major = Number(number.split('.')[0]);
  if (!number || !Number.isFinite(major)) throw new Error(`the root endpoint's answer names no version: ${JSON.stringify(body).slice(0, 200)}`);
  const flavour = v?.distribution === 'opensearch' ? 'opensearch' : 'elasticsearch';
  return { flavour, version: number, major, title: `${flavour === 'opensearch' ? 'OpenSearch' : 'Elasticsearch'} ${number}` };
}

/** Asks the cluster what it is; refuses versions the driver does not speak to. */
export async function detectCluster(client: SearchClient): Promise<ClusterInfo> {
  const r = await client.request('GET', '');
  let info: ClusterInfo;
  try {
    info = clusterInfoOf(r.body);
  } catch (e) {
    throw new CutoverError(`${client.where} does not answer like Elasticsearch or OpenSearch: ${(e as Error).message}`, 'Check the sink\'s "url": it must be the cluster\'s HTTP address (curl it: the answer has "version").', 'CONFIG');
  }
  const supported = info.flavour === 'opensearch' ? info.major >= 1 && info.major <= 3 : info.major >= 7 && info.major <= 9;
  if (!supported)
    throw new CutoverError(`The search sink at ${client.where} is ${info.title}; Cutover writes to Elasticsearch 7.x–8.x and OpenSearch 1.x–2.x.`, 'Upgrade the cluster, or use another sink.', 'CONFIG');
  return info;
}
