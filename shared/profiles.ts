// Saved connection profiles: a MySQL/MariaDB server (optionally over TLS and/or an SSH tunnel through a
// bastion), a Kafka cluster (optionally over TLS and SASL) or a PostgreSQL database (optionally over TLS). The engine stores them in the state file
// with every secret encrypted (engine/connections/); the renderer only ever sees ProfileSummary, never
// a secret. A job file refers to a profile by name ({"profile": "prod-db"}) instead of carrying its
// password.
import { z } from 'zod';

/** Profile names: what a job file's {"profile": …} says. */
export const PROFILE_NAME = /^[\w .@()-]{1,64}$/;

/** An SSH host key fingerprint as `ssh-keygen -lf` prints it: "SHA256:" and 43 base64 characters. */
export const SSH_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

export const TLS_MODES = ['disabled', 'required', 'verify-ca', 'verify-identity'] as const;
export type TlsMode = (typeof TLS_MODES)[number];

/** TLS towards the server: CA / client certificate / client key as file paths on this machine. */
export const TlsSettings = z
  .object({
    /** disabled: plain TCP; required: encrypted, server not verified; verify-ca: chain checked; verify-identity: chain and host name. */
    mode: z.enum(TLS_MODES).default('disabled'),
    caFile: z.string().max(4096).optional(),
    certFile: z.string().max(4096).optional(),
    keyFile: z.string().max(4096).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (!t.certFile !== !t.keyFile)
      ctx.addIssue({ code: 'custom', path: [t.certFile ? 'keyFile' : 'certFile'], message: 'a client certificate and its key go together: give both files, or neither' });
    if (t.mode === 'disabled' && (t.caFile || t.certFile || t.keyFile))
      ctx.addIssue({ code: 'custom', path: ['mode'], message: 'TLS is disabled but files are given: choose a TLS mode, or remove the files' });
  });
export type TlsSettings = z.infer<typeof TlsSettings>;

/** An SSH tunnel through a bastion host: the server's host and port are reached from the bastion. */
export const SshSettings = z
  .object({
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().min(1).max(255),
    auth: z.enum(['password', 'key']),
    /** auth "key": the private key file (OpenSSH or PEM format). */
    privateKeyFile: z.string().max(4096).optional(),
    /** The bastion's host key fingerprint, "SHA256:…" (as `ssh-keygen -lf` prints it); the tunnel refuses any other key. */
    hostKey: z.string().regex(SSH_FINGERPRINT, { message: 'must be a fingerprint "SHA256:…" as `ssh-keygen -lf` prints it' }).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.auth === 'key' && !s.privateKeyFile) ctx.addIssue({ code: 'custom', path: ['privateKeyFile'], message: 'key authentication needs the private key file' });
    if (s.auth === 'password' && s.privateKeyFile) ctx.addIssue({ code: 'custom', path: ['privateKeyFile'], message: 'password authentication uses no key file: remove it, or choose key authentication' });
  });
export type SshSettings = z.infer<typeof SshSettings>;

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** The secrets of a profile. Never returned to the renderer; stored encrypted. */
export const ProfileSecrets = z
  .object({
    /** MySQL or PostgreSQL password, Kafka SASL password, or a search cluster's password or API key. */
    password: z.string().max(1024).optional(),
    /** SSH password (auth "password"). */
    sshPassword: z.string().max(1024).optional(),
    /** Passphrase of the SSH private key, if it has one. */
    sshPassphrase: z.string().max(1024).optional(),
  })
  .strict();
export type ProfileSecrets = z.infer<typeof ProfileSecrets>;

export const MysqlProfile = z
  .object({
    kind: z.literal('mysql'),
    name: z.string().regex(PROFILE_NAME, { message: 'use 1–64 letters, digits, spaces and _ . @ ( ) -' }),
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535).default(3306),
    user: z.string().min(1).max(255),
    /** A Unix socket instead of host and port (local servers only; no TLS or SSH then). */
    socket: z.string().max(4096).optional(),
    tls: TlsSettings.default({ mode: 'disabled' }),
    ssh: SshSettings.optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.socket && p.ssh) ctx.addIssue({ code: 'custom', path: ['ssh'], message: 'a Unix socket is a local connection: it cannot go through an SSH tunnel (remove the socket or the tunnel)' });
    if (p.socket && p.tls.mode !== 'disabled') ctx.addIssue({ code: 'custom', path: ['tls', 'mode'], message: 'a Unix socket is a local connection: it takes no TLS (remove the socket or disable TLS)' });
  });
export type MysqlProfile = z.infer<typeof MysqlProfile>;

export const KafkaProfile = z
  .object({
    kind: z.literal('kafka'),
    name: z.string().regex(PROFILE_NAME, { message: 'use 1–64 letters, digits, spaces and _ . @ ( ) -' }),
    /** Bootstrap brokers, "host:port". */
    brokers: z.array(z.string().regex(/^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/, { message: 'must be "host:port"' })).min(1),
    tls: TlsSettings.default({ mode: 'disabled' }),
    sasl: z.object({ mechanism: z.enum(SASL_MECHANISMS), username: z.string().min(1).max(255) }).strict().optional(),
  })
  .strict();
export type KafkaProfile = z.infer<typeof KafkaProfile>;

export const PostgresProfile = z
  .object({
    kind: z.literal('postgres'),
    name: z.string().regex(PROFILE_NAME, { message: 'use 1–64 letters, digits, spaces and _ . @ ( ) -' }),
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535).default(5432),
    user: z.string().min(1).max(255),
    /** The database the job's schemas go into (one schema per source database). */
    database: z.string().min(1).max(63),
    /** TLS as libpq's sslmode: disabled → disable, required → require, verify-ca, verify-identity → verify-full. */
    tls: TlsSettings.default({ mode: 'disabled' }),
  })
  .strict();
export type PostgresProfile = z.infer<typeof PostgresProfile>;

export const SEARCH_AUTH = ['none', 'basic', 'apiKey'] as const;

/** An Elasticsearch or OpenSearch cluster: its HTTP address, basic authentication or an API key (the secret "password"), a CA file for https. */
export const SearchProfile = z
  .object({
    kind: z.literal('elasticsearch'),
    name: z.string().regex(PROFILE_NAME, { message: 'use 1–64 letters, digits, spaces and _ . @ ( ) -' }),
    /** The cluster's HTTP address without credentials, e.g. https://search.example:9200. */
    url: z.string().max(2048).regex(/^https?:\/\/[^/@\s]+(\/[^\s]*)?$/, { message: 'must be a URL like https://search.example:9200 (no user or password in it)' }),
    /** none; basic: user name + password; apiKey: an API key ("id:key" or its base64 form), saved as the secret "password". */
    auth: z.enum(SEARCH_AUTH).default('none'),
    username: z.string().min(1).max(255).optional(),
    /** A PEM file of the CA that signed the cluster's certificate (https). */
    caFile: z.string().min(1).max(4096).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.auth === 'basic' && !p.username) ctx.addIssue({ code: 'custom', path: ['username'], message: 'basic authentication needs the user name' });
    if (p.auth !== 'basic' && p.username) ctx.addIssue({ code: 'custom', path: ['username'], message: 'a user name is for basic authentication: remove it, or choose basic' });
    if (p.caFile && !p.url.startsWith('https://')) ctx.addIssue({ code: 'custom', path: ['caFile'], message: 'a CA file is for https:// addresses' });
  });
export type SearchProfile = z.infer<typeof SearchProfile>;

/** A profile without its secrets: what is stored in clear and what the renderer sees. */
export const Profile = z.discriminatedUnion('kind', [MysqlProfile, KafkaProfile, PostgresProfile, SearchProfile]);
export type Profile = z.infer<typeof Profile>;

/**
 * What the renderer sends to save or test a profile. A secret left undefined keeps the stored one (an
 * edit that does not retype the password); an empty string clears it. `previousName` renames.
 */
export const ProfileInput = z
  .object({
    profile: Profile,
    secrets: ProfileSecrets.default({}),
    previousName: z.string().max(64).optional(),
  })
  .strict();
export type ProfileInput = z.infer<typeof ProfileInput>;

/** A stored profile as listed: its settings, which secrets it holds (never their values), and when it was saved. */
export interface ProfileSummary {
  profile: Profile;
  has: { password: boolean; sshPassword: boolean; sshPassphrase: boolean };
  updatedAt: number;
  /** The last Test: when, and whether it passed. */
  lastTest: { at: number; ok: boolean } | null;
  /**
   * One line saying where the profile points, without secrets ("root@db.example.com:3306 via ssh
   * ops@bastion:22, TLS verify-identity"), in its kind's words (the kind's descriptor writes it).
   */
  description: string;
}

/** The answer of a connection Test: what was reached, or exactly what failed and how to fix it. */
export interface ConnectionTestResult {
  ok: boolean;
  /** e.g. "Connected to MariaDB 10.11.9 as 'cutover'@'%' over TLS (TLSv1.3) through ssh bastion:22". */
  message: string;
  /** Which leg failed: the SSH tunnel, TLS, authentication, the network… */
  stage?: 'config' | 'ssh' | 'network' | 'tls' | 'auth' | 'database' | 'privileges' | 'server';
  fix?: string | null;
  /** The server: flavor and version. */
  server?: { flavor: 'mysql' | 'mariadb' | 'postgres'; version: string };
  /** The TLS protocol negotiated, when TLS is on. */
  tlsVersion?: string;
  /** The SSH bastion's host key fingerprint ("SHA256:…"), so the operator can pin it. */
  sshHostKey?: string;
  /** Kafka: the cluster id and brokers. */
  kafka?: { clusterId: string; brokers: string[] };
  /** A search cluster: the flavour and version it answered with. */
  search?: { flavour: 'elasticsearch' | 'opensearch'; version: string };
}
