// Choosing a saved connection for the source or the sink: a list of the fitting profiles, where the
// chosen one points, Test (with the result), and a new or edited connection inline.
import { useState } from 'react';
import type { ApiError, CutoverApi } from '../../../../shared/api';
import type { ProfileSummary } from '../../../../shared/profiles';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { toApiError } from '../../api/errors';
import { ProfileForm } from '../connections/ProfileForm';
import type { ProfileKind } from '../connections/profile-form-model';
import { TestResultView } from '../connections/TestResultView';
import { useSinkKinds } from '../../sink-kinds';
import type { Role, ServerChecks } from './useServerChecks';

export interface ProfilePickerProps {
  api: CutoverApi;
  role: Role;
  label: string;
  kinds: readonly ProfileKind[];
  profiles: readonly ProfileSummary[] | undefined;
  value: string | null;
  onChange(name: string | null): void;
  error: string | undefined;
  checks: ServerChecks;
  /** A connection was saved here: reload the list (and select it). */
  onSaved(saved: ProfileSummary): void;
}

export function ProfilePicker({ api, role, label, kinds, profiles, value, onChange, error, checks, onSaved }: ProfilePickerProps) {
  const [form, setForm] = useState<'new' | 'edit' | null>(null);
  const sinkKinds = useSinkKinds(api);
  const [testError, setTestError] = useState<ApiError | null>(null);
  const fitting = (profiles ?? []).filter((p) => kinds.includes(p.profile.kind));
  const chosen = fitting.find((p) => p.profile.name === value) ?? null;
  const test = checks.checks.tests[role];
  const result = test && test.profile === value ? test.result : null;

  const runTest = async () => {
    if (!value) return;
    setTestError(null);
    try {
      await checks.runTest(role, value);
    } catch (e) {
      setTestError(toApiError(e));
    }
  };

  return (
    <div className="profile-picker" data-testid={`${role}-picker`}>
      <Field
        name={`${role}.profile`}
        label={label}
        error={error}
        hint={profiles && fitting.length === 0 ? 'No saved connection fits yet: create one with New connection.' : chosen ? chosen.description : undefined}
      >
        {(p) => (
          <select {...p} value={value ?? ''} onChange={(e) => onChange(e.target.value || null)} disabled={profiles === undefined}>
            <option value="">{profiles === undefined ? 'Loading…' : 'Choose a connection…'}</option>
            {kinds.map((k) => {
              const list = fitting.filter((f) => f.profile.kind === k);
              if (!list.length) return null;
              const options = list.map((f) => (
                <option key={f.profile.name} value={f.profile.name}>
                  {f.profile.name}
                </option>
              ));
              return kinds.length > 1 ? (
                <optgroup key={k} label={sinkKinds.title(k)}>
                  {options}
                </optgroup>
              ) : (
                options
              );
            })}
          </select>
        )}
      </Field>
      <div className="form-actions">
        <Button onClick={() => void runTest()} disabled={!chosen || checks.testing !== null} busy={checks.testing === role} data-testid={`${role}-test`}>
          Test connection
        </Button>
        <Button onClick={() => setForm('new')} disabled={form !== null} data-testid={`${role}-new-connection`}>
          New connection…
        </Button>
        {chosen && (
          <Button variant="quiet" onClick={() => setForm('edit')} disabled={form !== null} data-testid={`${role}-edit-connection`}>
            Edit this connection…
          </Button>
        )}
      </div>
      <ErrorBanner error={testError} onDismiss={() => setTestError(null)} />
      {result && <TestResultView result={result} testId={`${role}-test-result`} />}
      {form && (
        <ProfileForm
          api={api}
          editing={form === 'edit' ? chosen : null}
          kinds={kinds}
          title={form === 'edit' ? undefined : `New ${role} connection`}
          onCancel={() => setForm(null)}
          onSaved={(saved) => {
            setForm(null);
            checks.forgetTest(role);
            onSaved(saved);
          }}
        />
      )}
    </div>
  );
}
