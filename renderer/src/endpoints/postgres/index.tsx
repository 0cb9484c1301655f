// PostgreSQL in the dashboard: its connection form, its type mapping in the wizard, and its words in the
// removal dialog.
import type { EndpointUi } from '../types';
import { PostgresProfileFields } from './PostgresFields';
import { PostgresMapping } from './PostgresMapping';
import { PostgresReview } from './PostgresReview';
import { postgresFromProfile, postgresProfile, postgresSecrets, validatePostgres } from './profile';

export const postgresEndpoint: EndpointUi = {
  Fields: PostgresProfileFields,
  fromProfile: postgresFromProfile,
  buildProfile: postgresProfile,
  validate: (f, tls) => [...validatePostgres(f), ...tls],
  secrets: postgresSecrets,
  defaultPort: '5432',
  sshTunnel: false,
  sinkNote: 'PostgreSQL sink: the next step shows each column\u2019s PostgreSQL type with sample values from real rows, and takes type overrides.',
  Mapping: PostgresMapping,
  Review: PostgresReview,
  cleanLabel: (
    <>
      Also delete its checkpoint row on the sink (<code>_cutover</code>.<code>cutover_checkpoint</code>)
    </>
  ),
};
