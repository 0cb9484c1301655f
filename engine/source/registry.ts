// Source kinds → their drivers. Descriptors are cheap and always loaded; a driver (and its client
// libraries, e.g. the binlog decoder) is loaded only when a job uses that kind. A new source is one folder
// plus one line here.
import { CutoverError } from '../../shared/errors.js';
import type { SourceDescriptor, SourceDriver, SourceSession } from './driver.js';
import { mysqlSource } from './mysql/descriptor.js';
import { kafkaSource } from './kafka/descriptor.js';

const SOURCES: readonly SourceDescriptor[] = [mysqlSource, kafkaSource];

/** The descriptor of a source kind. */
export function sourceKind(kind: string): SourceDescriptor {
  const d = SOURCES.find((s) => s.kind === kind);
  if (!d) throw new CutoverError(`Unknown source type "${kind}".`, `Use one of: ${SOURCES.map((s) => s.kind).join(', ')}.`, 'CONFIG');
  return d;
}

/** The descriptor of a job's source; a source without a `type` is MySQL/MariaDB (the only form job files had). */
export function sourceOf(cfg: { source: object }): SourceDescriptor {
  const type = (cfg.source as { type?: unknown }).type;
  return sourceKind(typeof type === 'string' ? type : 'mysql');
}

/** Loads the driver of a job's source. */
export function loadSource(cfg: { source: object }): Promise<SourceDriver> {
  return sourceOf(cfg).load();
}

/** A session of `driver` over a connection the caller opened with the kind's client (SourceDriver.sessionOn). */
export function sessionOver(driver: SourceDriver, conn: unknown): SourceSession {
  if (!driver.sessionOn) throw new Error(`the ${driver.kind} source driver cannot take over a connection: open a session with openSession()`);
  return driver.sessionOn(conn);
}

/** Every source kind. */
export function sourceKinds(): { kind: string; title: string; capabilities: SourceDescriptor['capabilities'] }[] {
  return SOURCES.map((s) => ({ kind: s.kind, title: s.title, capabilities: s.capabilities }));
}
