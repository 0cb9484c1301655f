// A Kafka endpoint of a job file (the Kafka sink's and the Kafka source's alike) as the engine connects to
// it: a saved profile's brokers, TLS and SASL (password included), or the brokers, TLS and SASL the job file
// gives with the password from an environment variable. A saved Kafka profile's secret (the SASL password)
// and its export into a job file.
import type { KafkaSinkConfig, KafkaSinkFile, KafkaSourceFile } from '../../shared/job-config.js';
import type { KafkaEndpointFile } from '../../shared/job-endpoints.js';
import type { KafkaProfile, Profile, ProfileSecrets } from '../../shared/profiles.js';
import { readEnv, wrongProfile, type EndpointTools } from '../core/endpoint-tools.js';
import { isProfileOf, profileOfKind, profileRules } from '../core/profile-rules.js';

export type KafkaConnection = Pick<KafkaSinkConfig, 'brokers' | 'tls' | 'sasl'>;

/** A Kafka profile's brokers, TLS and SASL (password included) as the resolved config takes them. */
export function kafkaProfileSettings(p: KafkaProfile, secrets: ProfileSecrets): KafkaConnection {
  return {
    brokers: [...p.brokers],
    ...(p.tls.mode !== 'disabled' ? { tls: p.tls } : {}),
    ...(p.sasl ? { sasl: { ...p.sasl, password: secrets.password ?? '' } } : {}),
  };
}

/** Where a Kafka profile's topics are: its settings (asked of the descriptor of the profile's kind). */
export function kafkaTopicsOf(p: Profile, secrets: ProfileSecrets): KafkaConnection {
  return kafkaProfileSettings(profileOfKind(p, 'kafka'), secrets);
}

/** A Kafka profile's secret: the SASL password, when it logs in with SASL. */
export const kafkaProfileRules = profileRules('kafka', {
  usedSecrets: (p) => (p.sasl ? ['password'] : []),
  missingSecrets: (p, s) => (p.sasl && !s.password ? [`  $.secrets.password: SASL ${p.sasl.mechanism} needs the password of ${p.sasl.username}`] : []),
  jobFileEndpoint: (p, prefix) => {
    const out: KafkaEndpointFile = { brokers: [...p.brokers] };
    if (p.tls.mode !== 'disabled') out.tls = { ...p.tls };
    if (p.sasl) out.sasl = { ...p.sasl, passwordEnv: `${prefix}_PASSWORD` };
    return out;
  },
  describe: (p) => {
    const extras = [p.tls.mode !== 'disabled' ? `TLS ${p.tls.mode}` : null, p.sasl ? `SASL ${p.sasl.mechanism} as ${p.sasl.username}` : null].filter(Boolean);
    return `${p.brokers.join(', ')}${extras.length ? `, ${extras.join(', ')}` : ''}`;
  },
});

/** The endpoint's brokers, TLS and SASL, and the rest of its options as written. */
export function resolveKafkaEndpoint<F extends KafkaSinkFile | KafkaSourceFile>(f: F, tools: EndpointTools, side: 'source' | 'sink'): Omit<F, 'profile' | 'brokers' | 'tls' | 'sasl'> & KafkaConnection {
  const { profile: name, brokers, tls, sasl, ...options } = f;
  if (name) {
    const { profile: p, secrets } = tools.profile(name);
    if (!isProfileOf(p, 'kafka')) throw wrongProfile(p.name, 'Kafka', `a Kafka ${side} needs a Kafka one`, `$.${side}.profile`, side === 'sink' ? 'Name a Kafka profile, or use "type": "mysql".' : 'Name a Kafka profile, or give "brokers".');
    return { ...options, ...kafkaProfileSettings(p, secrets) };
  }
  const out: Omit<F, 'profile' | 'brokers' | 'tls' | 'sasl'> & KafkaConnection = { ...options, brokers: brokers! };
  if (tls && tls.mode !== 'disabled') out.tls = tls;
  if (sasl) out.sasl = { mechanism: sasl.mechanism, username: sasl.username, password: readEnv(tools.env, sasl.passwordEnv, `the SASL password of ${sasl.username}`, `$.${side}.sasl.passwordEnv`) };
  return out;
}
