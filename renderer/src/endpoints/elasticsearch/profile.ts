// An Elasticsearch/OpenSearch profile in the connection form: from a saved profile, to the profile saved, its
// checks and its secret (the password of basic authentication, or the API key, saved as "password").
import type { Profile, ProfileInput } from '../../../../shared/profiles';
import type { FieldError } from '../../components/field-errors';
import { dropped, secretInput, secretPresent, type ProfileForm } from '../../views/connections/profile-form-state';

export function searchFromProfile(base: ProfileForm, p: Profile): ProfileForm {
  if (p.kind !== 'elasticsearch') return base;
  return { ...base, url: p.url, searchAuth: p.auth, user: p.username ?? '', tls: { ...base.tls, caFile: p.caFile ?? '' } };
}

export function searchProfile(f: ProfileForm): unknown {
  const caFile = f.tls.caFile.trim();
  return {
    kind: 'elasticsearch',
    name: f.name.trim(),
    url: f.url.trim().replace(/\/+$/, ''),
    auth: f.searchAuth,
    ...(f.searchAuth === 'basic' ? { username: f.user.trim() } : {}),
    ...(caFile ? { caFile } : {}),
  };
}

export function validateSearch(f: ProfileForm): FieldError[] {
  const errors: FieldError[] = [];
  const err = (field: string, message: string) => void errors.push({ field, message });
  const url = f.url.trim();
  if (!url) err('url', "Enter the cluster's address, e.g. https://search.example.com:9200.");
  else if (!/^https?:\/\/[^/@\s]+(\/\S*)?$/.test(url)) err('url', 'Enter an http:// or https:// address without a user or password in it (credentials go below), e.g. https://search.example.com:9200.');
  if (f.searchAuth === 'basic' && !f.user.trim()) err('user', 'Enter the user name of basic authentication.');
  if (f.searchAuth !== 'none' && !secretPresent(f.password)) err('password', f.searchAuth === 'basic' ? 'Enter the password.' : 'Enter the API key ("id:key", or the base64 form the cluster printed).');
  if (f.tls.caFile.trim() && !url.startsWith('https://')) err('tls.caFile', 'A CA file is for https:// addresses: use https, or remove the CA file.');
  return errors;
}

export function searchSecrets(f: ProfileForm): Partial<ProfileInput['secrets']> {
  return { password: f.searchAuth === 'none' ? dropped(f.password) : secretInput(f.password), sshPassword: dropped(f.sshPassword), sshPassphrase: dropped(f.sshPassphrase) };
}
