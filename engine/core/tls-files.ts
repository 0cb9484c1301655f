// TLS material named by path (a URL's ssl-ca / ssl-cert / ssl-key, a Kafka profile's files): read when
// a connection is made, so a renewed certificate is picked up by the next connection, and a file that
// is missing or unreadable is named in the error instead of surfacing as a handshake failure.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { CutoverError } from '../../shared/errors.js';
import type { TlsSettings } from '../../shared/profiles.js';

export type TlsFileRole = 'CA certificate' | 'client certificate' | 'client key';

/** The file's bytes; a CutoverError naming the file, its role and the setting that points at it. */
export function readTlsFile(path: string, role: TlsFileRole, setting: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable by this user' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new CutoverError(
      `The TLS ${role} file ${path} (${setting}) ${why}.`,
      code === 'EACCES' ? `Make it readable by the user running Cutover (e.g. chmod 640 ${path} and chgrp that user's group), or point ${setting} at a copy.` : `Point ${setting} at the PEM file of the ${role}.`,
      'CONFIG',
    );
  }
}

/** node:tls options for a Kafka client (kafkajs `ssl`) from a profile's TLS settings; undefined when TLS is off. */
export function tlsConnectionOptions(tls: TlsSettings | undefined, setting = 'tls'): ConnectionOptions | undefined {
  if (!tls || tls.mode === 'disabled') return undefined;
  const o: ConnectionOptions = { rejectUnauthorized: tls.mode !== 'required' };
  if (tls.caFile) o.ca = readTlsFile(tls.caFile, 'CA certificate', `${setting}.caFile`);
  if (tls.certFile) o.cert = readTlsFile(tls.certFile, 'client certificate', `${setting}.certFile`);
  if (tls.keyFile) o.key = readTlsFile(tls.keyFile, 'client key', `${setting}.keyFile`);
  // verify-ca: the chain is checked, the host name is not (as the mysql client's VERIFY_CA).
  if (tls.mode === 'verify-ca') o.checkServerIdentity = () => undefined;
  return o;
}
