// The connection form's state, common to every kind of profile (each kind reads the fields it has;
// switching the kind keeps what was typed), and the secrets' write-only handling: the form knows whether
// a secret is stored, never its value.
import type { SASL_MECHANISMS, SEARCH_AUTH, TlsMode } from '../../../../shared/profiles';

/** A secret as the form holds it: typed anew (value), kept (stored and left empty) or cleared. */
export interface SecretState {
  stored: boolean;
  value: string;
  clear: boolean;
}

/** A profile kind ("mysql", "kafka", …): renderer/src/endpoints/registry.ts has a form for each. */
export type ProfileKind = string;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];
export type SearchAuth = (typeof SEARCH_AUTH)[number];

export interface ProfileForm {
  kind: ProfileKind;
  name: string;
  /** The stored name when editing (a changed name renames). */
  previousName: string | null;
  host: string;
  port: string;
  user: string;
  socket: string;
  /** PostgreSQL: the database the job's schemas go into. */
  database: string;
  password: SecretState;
  tls: { mode: TlsMode; caFile: string; certFile: string; keyFile: string };
  ssh: { enabled: boolean; host: string; port: string; user: string; auth: 'password' | 'key'; privateKeyFile: string; hostKey: string };
  sshPassword: SecretState;
  sshPassphrase: SecretState;
  /** Kafka: "host:port" separated by commas or new lines. */
  brokers: string;
  sasl: { mechanism: SaslMechanism | ''; username: string };
  /** Elasticsearch/OpenSearch: the cluster's http(s) address, and how it logs in. */
  url: string;
  searchAuth: SearchAuth;
}

const noSecret = (stored = false): SecretState => ({ stored, value: '', clear: false });

export function emptyForm(kind: ProfileKind): ProfileForm {
  return {
    kind,
    name: '',
    previousName: null,
    host: '',
    port: '3306',
    user: '',
    socket: '',
    database: '',
    password: noSecret(),
    tls: { mode: 'disabled', caFile: '', certFile: '', keyFile: '' },
    ssh: { enabled: false, host: '', port: '22', user: '', auth: 'key', privateKeyFile: '', hostKey: '' },
    sshPassword: noSecret(),
    sshPassphrase: noSecret(),
    brokers: '',
    sasl: { mechanism: '', username: '' },
    url: '',
    searchAuth: 'none',
  };
}

/** What a secret sends: a typed value; '' to clear a stored one; undefined keeps what is stored. */
export function secretInput(s: SecretState): string | undefined {
  if (s.value) return s.value;
  if (s.clear && s.stored) return '';
  return undefined;
}

/** Whether the secret will be there after saving (typed, or stored and kept). */
export const secretPresent = (s: SecretState): boolean => s.value !== '' || (s.stored && !s.clear);

/** A secret that is no longer used: cleared if one is stored. */
export const dropped = (s: SecretState): string | undefined => (s.stored ? '' : undefined);

/** A port typed as text: a whole number 1–65535, else null. */
export function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n >= 1 && n <= 65535 ? n : null;
}
