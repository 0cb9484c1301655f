// What differs by kind in a saved connection profile (shared/profiles.ts), asked of the sink descriptor of
// the profile's kind (every profile kind is a sink kind): which secrets its settings use (the profile store
// encrypts those, each on its own, and drops the others), which it cannot work without, how it is
// written into an exported job file with its secrets named as environment variables, and the one-line
// description of where it points that the profile's summary carries to the UI. Here in core so that
// the descriptors and engine/connections share it without importing each other.
import type { Profile, ProfileSecrets, ProfileSummary } from '../../shared/profiles.js';
import type { JobFileEndpoints } from '../../shared/job-endpoints.js';

export type SecretName = keyof ProfileSecrets;
export type ProfileKind = Profile['kind'];
export type ProfileOf<K extends ProfileKind> = Extract<Profile, { kind: K }>;

/** A profile's rules, for a profile of the descriptor's kind. */
export interface ProfileRules<P extends Profile = Profile> {
  /** The secrets the settings use; the others are dropped when the profile is saved (e.g. the SSH password once the tunnel uses a key). */
  usedSecrets(p: P): SecretName[];
  /** What the profile cannot work without: a line per missing secret ("  $.secrets.password: …"). */
  missingSecrets(p: P, s: ProfileSecrets): string[];
  /**
   * The job-file endpoint spelled out for another machine, never holding a secret: each secret as an
   * environment variable `${prefix}_…` (`has`, the profile summary's: only the variables of secrets it has).
   */
  jobFileEndpoint(p: P, prefix: string, has?: ProfileSummary['has']): JobFileEndpoints[P['kind']];
  /** One line saying where the profile points, without secrets (ProfileSummary.description): "root@db.example.com:3306 via ssh ops@bastion:22, TLS verify-identity". */
  describe(p: P): string;
}

/** The profile as the kind's own type; a profile of another kind is a bug of the caller (asked the wrong descriptor). */
export function profileOfKind<K extends ProfileKind>(p: Profile, kind: K): ProfileOf<K> {
  if (!isProfileOf(p, kind)) throw new Error(`the profile "${p.name}" (${p.kind}) was handed to the rules of ${kind} profiles`);
  return p;
}

/** Whether the profile is of this kind (for an endpoint that takes one kind's profiles). */
export function isProfileOf<K extends ProfileKind>(p: Profile, kind: K): p is ProfileOf<K> {
  return p.kind === kind;
}

/** A kind's rules, written for its own profile type, as every descriptor carries them. */
export function profileRules<K extends ProfileKind>(kind: K, rules: ProfileRules<ProfileOf<K>>): ProfileRules {
  return {
    usedSecrets: (p) => rules.usedSecrets(profileOfKind(p, kind)),
    missingSecrets: (p, s) => rules.missingSecrets(profileOfKind(p, kind), s),
    jobFileEndpoint: (p, prefix, has) => rules.jobFileEndpoint(profileOfKind(p, kind), prefix, has),
    describe: (p) => rules.describe(profileOfKind(p, kind)),
  };
}
