// What a driver needs to turn its job-file endpoint into the endpoint the engine connects to (each sink and
// source descriptor's resolveFile): the environment, saved profiles with their secrets, and MySQL URLs with
// their SSH tunnels opened. engine/connections/resolve.ts provides them (here in core, so that drivers and connections/ share it without a cycle); the drivers know their own kinds.
import { CutoverError } from '../../shared/errors.js';
import type { MysqlSinkFile, SourceEndpoint } from '../../shared/job-config.js';
import type { Profile, ProfileSecrets } from '../../shared/profiles.js';

export type MysqlEndpoint = SourceEndpoint | MysqlSinkFile;

export interface EndpointTools {
  readonly env: NodeJS.ProcessEnv;
  /** A saved profile and its secrets, decrypted; throws naming the profiles there are when none has the name. */
  profile(name: string): { profile: Profile; secrets: ProfileSecrets };
  /** A MySQL endpoint's URL with its password, through a new SSH tunnel when it has one (closed with the job). */
  mysqlUrl(e: MysqlEndpoint, side: 'source' | 'sink'): Promise<string>;
}

/** An environment variable's value; a CutoverError naming it (and what it is for) when it is not set. */
export function readEnv(env: NodeJS.ProcessEnv, name: string, what: string, path: string): string {
  const v = env[name];
  if (v === undefined || v === '')
    throw new CutoverError(`The environment variable ${name} is not set; the job file takes ${what} from it (${path}).`, `export ${name}='…'   (${what}), then run again.`, 'CONFIG');
  return v;
}

/** The error for a profile of another kind than the endpoint takes. */
export function wrongProfile(name: string, title: string, needs: string, path: string, fix: string): CutoverError {
  return new CutoverError(`The profile "${name}" is not a ${title} profile; ${needs} (${path}).`, fix, 'CONFIG');
}
