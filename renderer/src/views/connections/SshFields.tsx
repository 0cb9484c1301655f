// The SSH tunnel through a bastion host: host, port, user, password or key file (+ passphrase), and the
// pinned host key fingerprint (offered after a successful Test).
import { ChoiceField, Field } from '../../components/Field';
import type { FieldsProps } from './ProfileFields';
import { TextField } from './ProfileFields';
import type { ProfileForm } from './profile-form-state';
import { SecretField } from './SecretField';

export function SshFields({ form, update, errors }: FieldsProps) {
  const setSsh = (patch: Partial<ProfileForm['ssh']>) => update((f) => ({ ...f, ssh: { ...f.ssh, ...patch } }));
  const set = (patch: Partial<ProfileForm>) => update((f) => ({ ...f, ...patch }));
  const ssh = form.ssh;
  return (
    <fieldset className="form-section">
      <legend>SSH tunnel</legend>
      <Field name="ssh.enabled" label="Connect through an SSH bastion host" inline>
        {(p) => <input {...p} type="checkbox" checked={ssh.enabled} onChange={(e) => setSsh({ enabled: e.target.checked })} />}
      </Field>
      {ssh.enabled && (
        <div className="form-grid">
          <TextField name="ssh.host" label="Bastion host" value={ssh.host} onChange={(host) => setSsh({ host })} errors={errors} placeholder="bastion.example.com" />
          <TextField name="ssh.port" label="SSH port" value={ssh.port} onChange={(port) => setSsh({ port })} errors={errors} inputMode="numeric" />
          <TextField name="ssh.user" label="Bastion user" value={ssh.user} onChange={(user) => setSsh({ user })} errors={errors} />
          <ChoiceField
            name="ssh.auth"
            legend="Authentication"
            value={ssh.auth}
            onChange={(auth) => setSsh({ auth })}
            choices={[
              { value: 'key', label: 'Private key file' },
              { value: 'password', label: 'Password' },
            ]}
          />
          {ssh.auth === 'key' ? (
            <>
              <TextField name="ssh.privateKeyFile" label="Private key file" value={ssh.privateKeyFile} onChange={(privateKeyFile) => setSsh({ privateKeyFile })} errors={errors} placeholder="~/.ssh/id_ed25519" hint="OpenSSH or PEM format, on this machine." />
              <SecretField name="sshPassphrase" label="Key passphrase (if it has one)" secret={form.sshPassphrase} onChange={(sshPassphrase) => set({ sshPassphrase })} error={errors.get('sshPassphrase')} />
            </>
          ) : (
            <SecretField name="sshPassword" label="SSH password" secret={form.sshPassword} onChange={(sshPassword) => set({ sshPassword })} error={errors.get('sshPassword')} />
          )}
          <TextField
            name="ssh.hostKey"
            label="Pinned host key (optional)"
            value={ssh.hostKey}
            onChange={(hostKey) => setSsh({ hostKey })}
            errors={errors}
            placeholder="SHA256:…"
            hint="The tunnel refuses any other key. Test the connection to see the bastion's key and pin it."
          />
        </div>
      )}
    </fieldset>
  );
}
