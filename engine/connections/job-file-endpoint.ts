// A saved profile as an exported job file names it, never holding a secret: by name (`how: "profile"`, for
// this installation), or spelled out with its secrets named as environment variables (`how: "env"`, for
// another machine: `${envPrefix}_PASSWORD`, `_SSH_PASSWORD`, `_SSH_PASSPHRASE`, `_API_KEY`), as the
// descriptor of the profile's kind writes it (core/profile-rules.ts). `has` (from the profile's summary)
// leaves out the variables of secrets the profile does not have.
import type { JobFileEndpoints } from '../../shared/job-endpoints.js';
import type { Profile, ProfileSummary } from '../../shared/profiles.js';
import { sinkKind } from '../sink/registry.js';

export function toJobFileEndpoint<P extends Profile>(profile: P, how: 'profile' | 'env', envPrefix = 'CUTOVER', has?: ProfileSummary['has']): JobFileEndpoints[P['kind']] {
  if (how === 'profile') return { profile: profile.name } as JobFileEndpoints[P['kind']];
  const prefix = envPrefix.toUpperCase().replace(/[^A-Z0-9_]/g, '_').replace(/^(?=\d)/, '_');
  return sinkKind(profile.kind).profile.jobFileEndpoint(profile, prefix, has) as JobFileEndpoints[P['kind']];
}
