// The wizard's draft in the state file (table wizard_drafts), so a half-finished migration survives an
// app restart. It is stored encrypted with the installation's key like the profiles' secrets: it names
// servers, tables and row filters, which are nobody else's business either.
import { CutoverError } from '../../shared/errors.js';
import { WizardDraftSchema } from '../../shared/api-schema.js';
import type { WizardDraft } from '../../shared/wizard.js';
import type { StateStore } from '../state/store.js';

/** Encrypts and decrypts text with the installation's key (engine/connections/secret-box.ts). */
export interface TextCipher {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
}

const ID = 'default';

export class DraftStore {
  constructor(
    private readonly store: StateStore,
    private readonly cipher: TextCipher,
  ) {}

  get(): WizardDraft | null {
    const row = this.store.db.prepare('SELECT draft FROM wizard_drafts WHERE id = ?').get(ID) as { draft: string } | undefined;
    if (!row) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(this.cipher.decrypt(row.draft));
    } catch (e) {
      if (e instanceof CutoverError && e.code !== 'CONFIG') throw e;
      return null;
    }
    // A draft from an older version that no longer fits is dropped rather than half-loaded.
    const r = WizardDraftSchema.safeParse(parsed);
    return r.success ? (r.data as WizardDraft) : null;
  }

  save(draft: WizardDraft): void {
    this.store.db
      .prepare('INSERT INTO wizard_drafts (id, draft, updated_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET draft = excluded.draft, updated_at = excluded.updated_at')
      .run(ID, this.cipher.encrypt(JSON.stringify(draft)), Date.now());
  }

  discard(): void {
    this.store.db.prepare('DELETE FROM wizard_drafts WHERE id = ?').run(ID);
  }
}
