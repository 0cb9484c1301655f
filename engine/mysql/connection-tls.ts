// TLS for MySQL/MariaDB connections, as a URL's ssl-* parameters ask for it (shared/mysql-url.ts):
// the mysql2 options for each mode, and what a TLS failure means for the operator.
//   REQUIRED         encrypted; the server's certificate is not checked
//   VERIFY_CA        the certificate chain is checked against ssl-ca (or the system CAs)
//   VERIFY_IDENTITY  the chain and the host name (ssl-servername when the host is a tunnel's 127.0.0.1)
import { connect as netConnect, isIP, type Socket } from 'node:net';
import type { ConnectionOptions, SslOptions } from 'mysql2/promise';
import { CutoverError } from '../../shared/errors.js';
import type { UrlTls } from '../../shared/mysql-url.js';
import { readTlsFile } from '../core/tls-files.js';

interface Target {
  host: string;
  port: number;
  ssl?: UrlTls;
}

/**
 * mysql2's `ssl` (files read now) and, when the name to verify is not the host connected to, a
 * `stream` factory: mysql2 verifies against its `host` option, so that becomes the name and the socket
 * goes to the real address.
 */
export function tlsDriverOptions(a: Target): Pick<ConnectionOptions, 'ssl' | 'host' | 'stream'> {
  const t = a.ssl;
  if (!t) return {};
  const ssl: SslOptions & { verifyIdentity?: boolean } = {
    rejectUnauthorized: t.mode !== 'REQUIRED',
    verifyIdentity: t.mode === 'VERIFY_IDENTITY',
  };
  if (t.ca) ssl.ca = readTlsFile(t.ca, 'CA certificate', 'ssl-ca');
  if (t.cert) ssl.cert = readTlsFile(t.cert, 'client certificate', 'ssl-cert');
  if (t.key) ssl.key = readTlsFile(t.key, 'client key', 'ssl-key');
  const name = t.mode === 'VERIFY_IDENTITY' ? t.servername : undefined;
  if (!name || name === a.host) return { ssl };
  return {
    ssl,
    host: name,
    stream: (): Socket => {
      const s = netConnect(a.port, a.host);
      s.setNoDelay(true);
      // An IP address is not sent as SNI: node then checks the certificate against the socket's host.
      if (isIP(name)) (s as unknown as { _host: string })._host = name;
      return s;
    },
  };
}

const VERIFY_FAILED = /self[- ]signed|unable to (verify|get (local )?issuer)|certificate (has expired|is not yet valid|signature failure|chain)|CERT_|unknown ca|bad certificate|certificate verify failed/i;
const NAME_MISMATCH = /altnames|does not match|Hostname\/IP/i;

/** A TLS failure as what is wrong and the setting that fixes it; null when the error is not about TLS. */
export function explainTlsError(err: { code?: string; message?: string; sqlMessage?: string }, a: Target, where: string): CutoverError | null {
  const msg = err.message ?? '';
  const mode = a.ssl?.mode;
  if (err.code === 'HANDSHAKE_NO_SSL_SUPPORT')
    return new CutoverError(
      `${where} does not offer TLS, but ssl-mode=${mode} asks for it.`,
      'Turn TLS on in the server (ssl_cert, ssl_key and ssl_ca in my.cnf under [mysqld], then restart it; SHOW VARIABLES LIKE \'have_ssl\' must say YES), or connect without TLS (ssl-mode=DISABLED) on a trusted network.',
      'TLS',
    );
  if (err.code === 'ER_SECURE_TRANSPORT_REQUIRED' || /insecure transport|SSL connection is required|require_secure_transport/i.test(`${msg} ${err.sqlMessage ?? ''}`))
    return new CutoverError(
      `${where} refuses connections without TLS (require_secure_transport=ON): ${err.sqlMessage ?? msg}`,
      'Connect over TLS: add ?ssl-mode=VERIFY_IDENTITY&ssl-ca=/path/to/ca.pem to the URL (or choose a TLS mode in the profile); ssl-mode=REQUIRED encrypts without checking the certificate.',
      'TLS',
    );
  if (err.code !== 'HANDSHAKE_SSL_ERROR' && !/^ERR_TLS|^ERR_SSL/.test(err.code ?? '') && !VERIFY_FAILED.test(msg) && !NAME_MISMATCH.test(msg)) return null;
  if (NAME_MISMATCH.test(msg))
    return new CutoverError(
      `${where}: the server's certificate is not for this host name (${msg}).`,
      a.ssl?.servername
        ? `Set ssl-servername to a name the certificate lists (see its subjectAltName: openssl s_client -connect HOST:PORT -starttls mysql | openssl x509 -noout -text), or use ssl-mode=VERIFY_CA to check the chain only.`
        : 'Connect by a name the certificate lists (its subjectAltName: openssl s_client -connect HOST:PORT -starttls mysql | openssl x509 -noout -text), or use ssl-mode=VERIFY_CA to check the chain only.',
      'TLS',
    );
  if (VERIFY_FAILED.test(msg))
    return new CutoverError(
      `${where}: the server's TLS certificate could not be verified (${msg}).`,
      a.ssl?.ca
        ? `Check that ssl-ca (${a.ssl.ca}) is the CA that signed the server's certificate (openssl verify -CAfile ${a.ssl.ca} server-cert.pem), and that the certificate has not expired.`
        : 'Give the CA that signed the server\'s certificate: ssl-ca=/path/to/ca.pem (or the profile\'s CA file); ssl-mode=REQUIRED encrypts without checking it.',
      'TLS',
    );
  return new CutoverError(
    `${where}: the TLS handshake failed (${msg}).`,
    'Check the TLS files (ssl-ca, ssl-cert, ssl-key: PEM, the key matching the certificate) and that the server accepts TLS 1.2 or newer.',
    'TLS',
  );
}
