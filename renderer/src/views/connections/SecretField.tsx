// A password or passphrase: write-only. A stored secret is never shown; the field says "saved — leave
// empty to keep", and Clear removes it on save (Undo takes that back).
import { Button } from '../../components/Button';
import { Field } from '../../components/Field';
import type { SecretState } from './profile-form-state';

export interface SecretFieldProps {
  name: string;
  label: string;
  secret: SecretState;
  onChange(secret: SecretState): void;
  error?: string | undefined;
}

export function SecretField({ name, label, secret, onChange, error }: SecretFieldProps) {
  const kept = secret.stored && !secret.clear && !secret.value;
  const hint = secret.clear ? 'The saved value is removed when you save.' : kept ? 'saved — leave empty to keep' : undefined;
  return (
    <Field name={name} label={label} error={error} hint={hint}>
      {(p) => (
        <span className="input-row">
          <input
            {...p}
            type="password"
            autoComplete="new-password"
            spellCheck={false}
            value={secret.value}
            placeholder={kept ? 'saved — leave empty to keep' : undefined}
            onChange={(e) => onChange({ ...secret, value: e.target.value, clear: false })}
          />
          {secret.stored &&
            (secret.clear ? (
              <Button variant="quiet" onClick={() => onChange({ ...secret, clear: false })} data-testid={`secret-undo-clear-${name}`}>
                Keep saved
              </Button>
            ) : (
              <Button variant="quiet" onClick={() => onChange({ ...secret, value: '', clear: true })} aria-label={`Clear the saved ${label.toLowerCase()}`} data-testid={`secret-clear-${name}`}>
                Clear
              </Button>
            ))}
        </span>
      )}
    </Field>
  );
}
