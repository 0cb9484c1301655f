// A Kafka endpoint of a job file (the Kafka sink's and the Kafka source's alike) as the engine connects to
// it: a saved profile's brokers, TLS and SASL (password included), or the brokers, TLS and SASL the job file
// gives with the password from an environment variable.
import type { KafkaSinkConfig, KafkaSinkFile, KafkaSourceFile } from '../../shared/job-config.js';
import type { KafkaProfile, Profile, ProfileSecrets } from '../../shared/profiles.js';
import { readEnv, wrongProfile, type EndpointTools } from '../core/endpoint-tools.js';

export type KafkaConnection = Pick<KafkaSinkConfig, 'brokers' | 'tls' | 'sasl'>;

/** A Kafka profile's brokers, TLS and SASL (password included) as the resolved config takes them. */
export function kafkaProfileSettings(p: KafkaProfile, secrets: ProfileSecrets): KafkaConnection {
  return {
    brokers: [...p.brokers],
    ...(p.tls.mode !== 'disabled' ? { tls: p.tls } : {}),
    ...(p.sasl ? { sasl: { ...p.sasl, password: secrets.password ?? '' } } : {}),
  };
}

/** Where a saved connection's topics are: a Kafka profile's settings; null for a profile of another kind. */
export function kafkaTopicsOf(p: Profile, secrets: ProfileSecrets): KafkaConnection | null {
  return p.kind === 'kafka' ? kafkaProfileSettings(p, secrets) : null;
}

/** The endpoint's brokers, TLS and SASL, and the rest of its options as written. */
export function resolveKafkaEndpoint<F extends KafkaSinkFile | KafkaSourceFile>(f: F, tools: EndpointTools, side: 'source' | 'sink'): Omit<F, 'profile' | 'brokers' | 'tls' | 'sasl'> & KafkaConnection {
  const { profile: name, brokers, tls, sasl, ...options } = f;
  if (name) {
    const { profile: p, secrets } = tools.profile(name);
    if (p.kind !== 'kafka') throw wrongProfile(p.name, 'Kafka', `a Kafka ${side} needs a Kafka one`, `$.${side}.profile`, side === 'sink' ? 'Name a Kafka profile, or use "type": "mysql".' : 'Name a Kafka profile, or give "brokers".');
    return { ...options, ...kafkaProfileSettings(p, secrets) };
  }
  const out: Omit<F, 'profile' | 'brokers' | 'tls' | 'sasl'> & KafkaConnection = { ...options, brokers: brokers! };
  if (tls && tls.mode !== 'disabled') out.tls = tls;
  if (sasl) out.sasl = { mechanism: sasl.mechanism, username: sasl.username, password: readEnv(tools.env, sasl.passwordEnv, `the SASL password of ${sasl.username}`, `$.${side}.sasl.passwordEnv`) };
  return out;
}
