// Elasticsearch / OpenSearch in the dashboard: its connection form (the Test shows the flavour and version).
import type { EndpointUi } from '../types';
import { SearchProfileFields } from './SearchFields';
import { searchFromProfile, searchProfile, searchSecrets, validateSearch } from './profile';

export const searchEndpoint: EndpointUi = {
  Fields: SearchProfileFields,
  fromProfile: searchFromProfile,
  buildProfile: (f) => searchProfile(f),
  validate: (f) => validateSearch(f),
  secrets: searchSecrets,
  sshTunnel: false,
  sinkNote: 'Search sink: one index per table, with mappings from the source types (overridable per column in the job file).',
};
