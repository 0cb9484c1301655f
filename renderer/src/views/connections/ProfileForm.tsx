// A connection profile, new or edited, with the fields of its kind (renderer/src/endpoints/<kind>/). Test runs
// testProfile with the form's values; Save runs saveProfile. Both validate the fields first. Used by the
// Connections view and inline by the wizard's Source and Sink steps.
import { useState } from 'react';
import type { CutoverApi } from '../../../../shared/api';
import type { ConnectionTestResult, ProfileSummary } from '../../../../shared/profiles';
import { Button } from '../../components/Button';
import { ChoiceField } from '../../components/Field';
import { ErrorBanner } from '../../components/ErrorBanner';
import { ErrorSummary } from '../../components/ErrorSummary';
import { errorMap, type FieldError } from '../../components/field-errors';
import { useAction } from '../../components/useAction';
import { emptyForm, formFromSummary, formToInput, type ProfileForm as FormState, type ProfileKind } from './profile-form-model';
import { endpointUi, profileKinds } from '../../endpoints/registry';
import { useSinkKinds } from '../../sink-kinds';
import { TextField } from './ProfileFields';
import { TestResultView } from './TestResultView';

export interface ProfileFormProps {
  api: CutoverApi;
  /** The profile to edit; null for a new one. */
  editing: ProfileSummary | null;
  /** The kinds this place accepts (default: every kind with a form; a source takes the source kinds only). */
  kinds?: readonly ProfileKind[];
  onSaved(saved: ProfileSummary): void;
  onCancel(): void;
  /** The form's heading. */
  title?: string;
}

/** An empty form of a kind, with the kind's default port. */
function newForm(kind: ProfileKind): FormState {
  const f = emptyForm(kind);
  return { ...f, port: endpointUi(kind)?.defaultPort ?? f.port };
}

export function ProfileForm({ api, editing, kinds = profileKinds(), onSaved, onCancel, title }: ProfileFormProps) {
  const [form, setForm] = useState<FormState>(() => (editing ? formFromSummary(editing) : newForm(kinds[0] ?? profileKinds()[0]!)));
  const sinkKinds = useSinkKinds(api);
  const ui = endpointUi(form.kind);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [attempt, setAttempt] = useState(0);
  const [result, setResult] = useState<ConnectionTestResult | null>(null);
  const action = useAction();

  const update = (fn: (f: FormState) => FormState) => setForm(fn);
  const checked = () => {
    const r = formToInput(form);
    setErrors(r.errors);
    setAttempt((a) => a + 1);
    return r.input;
  };
  const test = async () => {
    const input = checked();
    if (!input) return;
    setResult(null);
    const r = await action.run('test', () => api.call('testProfile', input));
    if (r) setResult(r);
  };
  const save = async () => {
    const input = checked();
    if (!input) return;
    const saved = await action.run('save', () => api.call('saveProfile', input));
    if (saved) onSaved(saved);
  };

  const map = errorMap(errors);
  const pin =
    result?.ok && result.sshHostKey && ui?.sshTunnel && form.ssh.enabled && form.ssh.hostKey.trim() !== result.sshHostKey
      ? () => update((f) => ({ ...f, ssh: { ...f.ssh, hostKey: result.sshHostKey ?? '' } }))
      : undefined;
  const pinned = result?.ok && result.sshHostKey && form.ssh.enabled && form.ssh.hostKey.trim() === result.sshHostKey;

  return (
    <form
      className="profile-form panel"
      data-testid="profile-form"
      aria-labelledby="profile-form-title"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h2 id="profile-form-title" className="panel-title">
        {title ?? (editing ? `Edit connection "${editing.profile.name}"` : 'New connection')}
      </h2>
      <ErrorSummary errors={errors} focusKey={attempt} testId="profile-errors" title="Check these fields:" />
      <div className="form-grid">
        <TextField name="name" label="Name" value={form.name} onChange={(name) => update((f) => ({ ...f, name }))} errors={map} placeholder="prod-db" hint="Jobs refer to the connection by this name." />
        {kinds.length > 1 && !editing ? (
          <ChoiceField
            name="kind"
            legend="Kind"
            value={form.kind}
            onChange={(kind) => {
              setResult(null);
              // A port left at the old kind's default becomes the new kind's default.
              update((f) => ({ ...f, kind, port: f.port === (endpointUi(f.kind)?.defaultPort ?? '3306') ? (endpointUi(kind)?.defaultPort ?? f.port) : f.port }));
            }}
            choices={kinds.map((k) => ({ value: k, label: sinkKinds.title(k) }))}
          />
        ) : (
          <p className="field">
            <span className="field-label">Kind</span> <span data-testid="field-kind">{sinkKinds.title(form.kind)}</span>
          </p>
        )}
      </div>

      {ui && <ui.Fields form={form} update={update} errors={map} />}

      <ErrorBanner error={action.error} onDismiss={action.clearError} />
      {result && <TestResultView result={result} testId="profile-test-result" onPin={pin} />}
      {pinned && (
        <p className="small" role="status" data-testid="host-key-pinned">
          Host key pinned: the tunnel will refuse any other key. Save to keep it.
        </p>
      )}

      <div className="form-actions">
        <Button onClick={() => void test()} busy={action.busy === 'test'} disabled={action.busy !== null} data-testid="profile-test">
          Test connection
        </Button>
        <span className="header-spacer" />
        <Button onClick={onCancel} data-testid="profile-cancel">
          Cancel
        </Button>
        <Button type="submit" variant="primary" busy={action.busy === 'save'} disabled={action.busy !== null} data-testid="profile-save">
          Save connection
        </Button>
      </div>
    </form>
  );
}
