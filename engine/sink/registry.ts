// Sink kinds → their drivers. Descriptors are cheap and always loaded; a driver (and its client library)
// is loaded only when a job uses that kind. A new sink is one folder plus one line here.
import { CutoverError } from '../../shared/errors.js';
import type { SinkKindInfo } from '../../shared/sink-capabilities.js';
import type { SinkConfig, SinkDescriptor, SinkDriver } from './driver.js';
import { kafkaSink } from './kafka/descriptor.js';
import { mysqlSink } from './mysql/descriptor.js';
import { postgresSink } from './postgres/descriptor.js';
import { searchSink } from './elasticsearch/descriptor.js';

const SINKS: readonly SinkDescriptor[] = [mysqlSink, kafkaSink, postgresSink, searchSink];

/** The descriptor of a sink kind (a job file's `sink.type`, a profile's `kind`). */
export function sinkKind(kind: string): SinkDescriptor {
  const d = SINKS.find((s) => s.kind === kind);
  if (!d) throw new CutoverError(`Unknown sink type "${kind}".`, `Use one of: ${SINKS.map((s) => s.kind).join(', ')}.`, 'CONFIG');
  return d;
}

/** The descriptor of a job's sink. */
export function sinkOf(cfg: { sink: SinkConfig }): SinkDescriptor {
  return sinkKind(cfg.sink.type);
}

/** Loads the driver of a job's sink. */
export function loadSink(cfg: { sink: SinkConfig }): Promise<SinkDriver> {
  return sinkOf(cfg).load();
}

/** Every sink kind, for the API and the wizard. */
export function sinkKinds(): SinkKindInfo[] {
  return SINKS.map((s) => ({ kind: s.kind, title: s.title, capabilities: s.capabilities, sourceServer: s.sourceServer ?? false }));
}
