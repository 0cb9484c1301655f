// Endpoint kinds → their forms and words in the dashboard. The one place in the renderer that names
// kinds; everything else asks the engine's capabilities (sink-kinds.ts) or the module found here.
import { kafkaEndpoint } from './kafka/index';
import { mysqlEndpoint } from './mysql/index';
import { postgresEndpoint } from './postgres/index';
import { searchEndpoint } from './elasticsearch/index';
import type { EndpointUi } from './types';

const ENDPOINTS: Readonly<Record<string, EndpointUi>> = { mysql: mysqlEndpoint, kafka: kafkaEndpoint, postgres: postgresEndpoint, elasticsearch: searchEndpoint };

/** The form and words of a kind; null for a kind the dashboard has no form for. */
export function endpointUi(kind: string | null | undefined): EndpointUi | null {
  return kind && Object.hasOwn(ENDPOINTS, kind) ? ENDPOINTS[kind]! : null;
}

/** Every kind a saved connection can be. */
export function profileKinds(): string[] {
  return Object.keys(ENDPOINTS);
}

/** The kinds whose saved connections hold topics a Kafka-source job reads (EndpointUi.topics). */
export function topicKinds(): string[] {
  return profileKinds().filter((k) => endpointUi(k)?.topics);
}
