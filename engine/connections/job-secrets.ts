// Passwords written in a job file's URLs (`mysql://user:pass@host`) never rest in clear in the state
// file. The job file is stored without them (the `jobs.config` the API returns), and each password is
// encrypted with the installation's key (secret-box.ts) in `job_secrets`, as saved profiles are. When a
// job runs, the host puts them back into the job file it hands to the process on standard input.
//
// Why move them rather than refuse them: a URL with its password is the documented, shortest way to
// write a job file for `cutover run`, and the dashboard must be able to resume such a job without
// asking again; encrypted at rest, the password is as safe as a saved profile's.
import type { JobFile } from '../../shared/job-config.js';
import type { JobRow, StateStore } from '../state/store.js';
import { SecretBox } from './secret-box.js';

type Side = 'source' | 'sink';
export type UrlPasswords = Partial<Record<Side, string>>;

function urlOf(file: JobFile, side: Side): string | undefined {
  const e = side === 'source' ? file.source : file.sink;
  return 'url' in e && typeof e.url === 'string' ? e.url : undefined;
}

function withUrl(file: JobFile, side: Side, url: string): JobFile {
  return side === 'source' ? ({ ...file, source: { ...file.source, url } } as JobFile) : ({ ...file, sink: { ...file.sink, url } } as JobFile);
}

/** A URL's password (decoded), or undefined. */
export function urlPassword(url: string): string | undefined {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}

function setUrlPassword(url: string, password: string | undefined): string {
  const u = new URL(url);
  u.password = password === undefined ? '' : encodeURIComponent(password);
  return u.toString();
}

/** The job file without the passwords written in its URLs, and those passwords. */
export function splitUrlPasswords(file: JobFile): { file: JobFile; passwords: UrlPasswords } {
  let out = file;
  const passwords: UrlPasswords = {};
  for (const side of ['source', 'sink'] as const) {
    const url = urlOf(file, side);
    const password = url ? urlPassword(url) : undefined;
    if (url && password !== undefined) {
      passwords[side] = password;
      out = withUrl(out, side, setUrlPassword(url, undefined));
    }
  }
  return { file: out, passwords };
}

/** A job file as stored (JSON text), without any password its URLs may hold (also for rows stored before passwords were moved). */
export function publicJobText(config: string): string {
  const raw = JSON.parse(config) as JobFile;
  return JSON.stringify(splitUrlPasswords(raw).file, null, 2);
}

export class JobSecrets {
  private box: SecretBox | null = null;

  constructor(
    private readonly store: StateStore,
    private readonly boxSource: () => SecretBox = () => SecretBox.forStatePath(store.path),
  ) {}

  private secretBox(): SecretBox {
    return (this.box ??= this.boxSource());
  }

  /** Stores a job file (creating or replacing the job's row): its URL passwords encrypted apart, the rest as written. */
  save(file: JobFile): JobRow {
    const { file: stored, passwords } = splitUrlPasswords(file);
    const sealed = Object.fromEntries(Object.entries(passwords).map(([side, p]) => [side, this.secretBox().encrypt(p)]));
    const db = this.store.db;
    return db
      .transaction(() => {
        const row = this.store.upsertJob(stored.name, stored);
        if (Object.keys(sealed).length) db.prepare('INSERT INTO job_secrets (job_id, secrets) VALUES (?, ?) ON CONFLICT(job_id) DO UPDATE SET secrets = excluded.secrets').run(row.id, JSON.stringify(sealed));
        else db.prepare('DELETE FROM job_secrets WHERE job_id = ?').run(row.id);
        return row;
      })
      .immediate();
  }

  /** The job file as written, passwords included: what its process runs. Never returned by the API. */
  runnable(row: JobRow): JobFile {
    const file = JSON.parse(row.config) as JobFile;
    const r = this.store.db.prepare('SELECT secrets FROM job_secrets WHERE job_id = ?').get(row.id) as { secrets: string } | undefined;
    if (!r) return file;
    let out = file;
    for (const [side, sealed] of Object.entries(JSON.parse(r.secrets) as Record<Side, string>) as [Side, string][]) {
      const url = urlOf(out, side);
      if (url) out = withUrl(out, side, setUrlPassword(url, this.secretBox().decrypt(sealed, `The ${side} password of the job "${row.name}"`)));
    }
    return out;
  }

  runnableText(row: JobRow): string {
    return JSON.stringify(this.runnable(row));
  }

  /** Rows stored before passwords were moved out of job files: moved now. Returns the names of the jobs changed. */
  sealStoredPasswords(): string[] {
    const rows = this.store.jobs().filter((row) => Object.keys(splitUrlPasswords(JSON.parse(row.config) as JobFile).passwords).length > 0);
    if (!rows.length) return [];
    const db = this.store.db;
    // The replaced rows' bytes are zeroed in the file, and the WAL that held them is emptied.
    db.pragma('secure_delete = ON');
    try {
      for (const row of rows) this.save(JSON.parse(row.config) as JobFile);
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.pragma('secure_delete = OFF');
    }
    return rows.map((r) => r.name);
  }
}
