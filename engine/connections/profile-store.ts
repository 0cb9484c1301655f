// Saved connection profiles in the state file's `profiles` table: the settings in clear (JSON Profile,
// shared/profiles.ts) and each secret encrypted on its own with the installation's key (secret-box.ts)
// in the `secrets` column, a JSON object {"password": "v1:…", …}. Listing needs no key (which secrets
// a profile has is not secret); only get() decrypts. No secret ever reaches a log line or a message.
// Which secrets a profile of a kind uses and needs is asked of the kind's descriptor (core/profile-rules.ts).
import { CutoverError } from '../../shared/errors.js';
import { Profile, ProfileInput, ProfileSecrets, type ProfileSummary } from '../../shared/profiles.js';
import { issueLines } from '../../shared/validation-errors.js';
import type { ProfileRules, SecretName } from '../core/profile-rules.js';
import { sinkKind } from '../sink/registry.js';
import type { StateStore } from '../state/store.js';
import { SecretBox } from './secret-box.js';

interface ProfileRow {
  name: string;
  kind: string;
  settings: string;
  secrets: string | null;
  updated_at: number;
  last_test_at: number | null;
  last_test_ok: number | null;
}

const SECRET_NAMES: SecretName[] = ['password', 'sshPassword', 'sshPassphrase'];
const SECRET_LABEL: Record<SecretName, string> = { password: 'password', sshPassword: 'SSH password', sshPassphrase: 'SSH key passphrase' };

/** Validates untrusted input with the contract's schemas; the error lists every bad field and never quotes a value. */
export function parseProfileInput(raw: unknown): ProfileInput {
  const r = ProfileInput.safeParse(raw);
  if (r.success) return r.data;
  throw new CutoverError(`The connection profile is not valid:\n${issueLines(r.error.issues).join('\n')}`, 'Correct the fields above and save again.', 'CONFIG');
}

/** The rules of a profile's kind: which secrets it uses, which it cannot work without (its sink descriptor's). */
const rulesOf = (p: Profile): ProfileRules => sinkKind(p.kind).profile;

/** One line saying where a profile points, without secrets, as its kind's descriptor writes it. */
export function describeProfile(p: Profile): string {
  return rulesOf(p).describe(p);
}

/** The rules that need the secrets too: what a profile cannot work without. */
function checkSecrets(p: Profile, s: ProfileSecrets): void {
  const missing = rulesOf(p).missingSecrets(p, s);
  if (missing.length) throw new CutoverError(`The connection profile "${p.name}" is not complete:\n${missing.join('\n')}`, 'Enter the missing secret and save again.', 'CONFIG');
}

export class ProfileStore {
  private box: SecretBox | null = null;

  /** `box`: the secret box to use (tests, a given key); by default the installation's, loaded on first use. */
  constructor(
    private readonly store: StateStore,
    private readonly boxSource: SecretBox | (() => SecretBox) = () => SecretBox.forStatePath(store.path),
  ) {}

  private secretBox(): SecretBox {
    if (!this.box) this.box = typeof this.boxSource === 'function' ? this.boxSource() : this.boxSource;
    return this.box;
  }

  private row(name: string): ProfileRow | undefined {
    return this.store.db.prepare('SELECT * FROM profiles WHERE name = ?').get(name) as ProfileRow | undefined;
  }

  private notFound(name: string): CutoverError {
    const names = this.list().map((p) => p.profile.name);
    // Profiles live in a state file: one saved with another (the desktop app's, or another --state) is not here.
    const elsewhere = 'If it was saved in another state file, name that file with --state FILE (or CUTOVER_STATE=FILE).';
    return new CutoverError(
      `There is no saved connection profile named "${name}" in the state file ${this.store.path} (the one this command read).`,
      names.length
        ? `Use one of: ${names.map((n) => `"${n}"`).join(', ')}; or save the profile first (the desktop app's Connections). ${elsewhere}`
        : `Save the profile first (the desktop app's Connections), or give the connection in the job file ("url"). ${elsewhere}`,
      'NOT_FOUND',
    );
  }

  private summaryOf(r: ProfileRow): ProfileSummary {
    const stored = r.secrets ? (JSON.parse(r.secrets) as Partial<Record<SecretName, string>>) : {};
    const profile = Profile.parse(JSON.parse(r.settings));
    return {
      profile,
      description: describeProfile(profile),
      has: { password: !!stored.password, sshPassword: !!stored.sshPassword, sshPassphrase: !!stored.sshPassphrase },
      updatedAt: r.updated_at,
      lastTest: r.last_test_at === null ? null : { at: r.last_test_at, ok: r.last_test_ok === 1 },
    };
  }

  /** Every profile, by name, without secrets. */
  list(): ProfileSummary[] {
    const rows = this.store.db.prepare('SELECT * FROM profiles ORDER BY name').all() as ProfileRow[];
    return rows.map((r) => this.summaryOf(r));
  }

  summary(name: string): ProfileSummary | null {
    const r = this.row(name);
    return r ? this.summaryOf(r) : null;
  }

  /** A profile and its secrets, decrypted. */
  get(name: string): { profile: Profile; secrets: ProfileSecrets } {
    const r = this.row(name);
    if (!r) throw this.notFound(name);
    return { profile: this.summaryOf(r).profile, secrets: this.decryptAll(r) };
  }

  private decryptAll(r: ProfileRow, only: SecretName[] = SECRET_NAMES): ProfileSecrets {
    const stored = r.secrets ? (JSON.parse(r.secrets) as Partial<Record<SecretName, string>>) : {};
    const out: ProfileSecrets = {};
    for (const k of only) {
      const v = stored[k];
      if (v) out[k] = this.secretBox().decrypt(v, `The ${SECRET_LABEL[k]} of the profile "${r.name}"`);
    }
    return out;
  }

  /**
   * The profile and secrets an input stands for: a secret left undefined is the stored one (of
   * `previousName` when renaming), '' clears it. For Test on a form that was not saved yet.
   */
  resolveInput(raw: unknown): { profile: Profile; secrets: ProfileSecrets } {
    const input = parseProfileInput(raw);
    const from = this.row(input.previousName ?? input.profile.name);
    const used = new Set(rulesOf(input.profile).usedSecrets(input.profile));
    // Only the stored secrets that are kept are decrypted: retyping every secret works even without the old key.
    const stored = from ? this.decryptAll(from, SECRET_NAMES.filter((k) => used.has(k) && input.secrets[k] === undefined)) : {};
    const secrets: ProfileSecrets = {};
    for (const k of SECRET_NAMES) {
      const v = input.secrets[k] === undefined ? stored[k] : input.secrets[k];
      if (v && used.has(k)) secrets[k] = v;
    }
    return { profile: input.profile, secrets };
  }

  /** Saves (creates, updates or renames) a profile; returns its summary. */
  save(raw: unknown): ProfileSummary {
    const input = parseProfileInput(raw);
    const { profile, secrets } = this.resolveInput(input);
    checkSecrets(profile, secrets);
    const name = profile.name;
    const renaming = input.previousName !== undefined && input.previousName !== name;
    if (renaming && !this.row(input.previousName!)) throw this.notFound(input.previousName!);
    if (renaming && this.row(name))
      throw new CutoverError(`A connection profile named "${name}" already exists.`, `Choose another name, or delete "${name}" first.`, 'CONFLICT');
    const encrypted: Partial<Record<SecretName, string>> = {};
    for (const k of SECRET_NAMES) {
      const v = secrets[k];
      if (v) encrypted[k] = this.secretBox().encrypt(v);
    }
    const db = this.store.db;
    const now = Date.now();
    db.transaction(() => {
      const prev = this.row(input.previousName ?? name);
      if (renaming) db.prepare('DELETE FROM profiles WHERE name = ?').run(input.previousName);
      db.prepare(
        `INSERT INTO profiles (name, kind, settings, secrets, updated_at, last_test_at, last_test_ok) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, settings = excluded.settings, secrets = excluded.secrets, updated_at = excluded.updated_at,
           last_test_at = NULL, last_test_ok = NULL`,
      ).run(name, profile.kind, JSON.stringify(profile), Object.keys(encrypted).length ? JSON.stringify(encrypted) : null, now, renaming ? (prev?.last_test_at ?? null) : null, renaming ? (prev?.last_test_ok ?? null) : null);
    }).immediate();
    return this.summary(name)!;
  }

  delete(name: string): void {
    const r = this.store.db.prepare('DELETE FROM profiles WHERE name = ?').run(name);
    if (r.changes === 0) throw this.notFound(name);
  }

  /** Records the result of a connection Test. */
  recordTest(name: string, ok: boolean, at = Date.now()): void {
    const r = this.store.db.prepare('UPDATE profiles SET last_test_at = ?, last_test_ok = ? WHERE name = ?').run(at, ok ? 1 : 0, name);
    if (r.changes === 0) throw this.notFound(name);
  }
}
