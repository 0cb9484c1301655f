// What is known to be wrong with a local endpoint that stands in for a remote one: an SSH tunnel's
// 127.0.0.1 port whose SSH connection is down. A driver error on such an endpoint ("connection lost")
// says nothing useful; explainConnectError (engine/mysql/connection.ts) asks here first and
// reports the tunnel's own error (code UNREACHABLE, so a stream retries it like a lost server).
import type { CutoverError } from '../../shared/errors.js';

const problems = new Map<string, () => CutoverError | null>();

const key = (host: string, port: number): string => `${host}:${port}`;

/** Registers the endpoint's problem source; returns the function that unregisters it. */
export function registerEndpoint(host: string, port: number, problem: () => CutoverError | null): () => void {
  const k = key(host, port);
  problems.set(k, problem);
  return () => {
    if (problems.get(k) === problem) problems.delete(k);
  };
}

/** The known problem of this endpoint, or null. */
export function endpointProblem(host: string, port: number): CutoverError | null {
  return problems.get(key(host, port))?.() ?? null;
}
