// Where the state file lives when neither --state nor CUTOVER_STATE says otherwise: the per-user
// application-data folder of the OS (the same folder Electron's app.getPath('userData') uses).
import { homedir } from 'node:os';
import { join } from 'node:path';

export function appDataDir(platform = process.platform, env = process.env): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Cutover');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Cutover');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Cutover');
}

export function resolveStatePath(flag?: string, env = process.env): string {
  return flag ?? env.CUTOVER_STATE ?? join(appDataDir(process.platform, env), 'state.db');
}

/** The demo's own state file: its job, connections and logs never go into the operator's real state file. */
export function demoStatePath(env = process.env, platform = process.platform): string {
  return join(appDataDir(platform, env), 'demo', 'state.db');
}

/** `cutover ui`'s state file: --state when given; with --demo the demo's own; else CUTOVER_STATE or the per-user one. */
export function uiStatePath(flag: string | undefined, demo: boolean, env = process.env): string {
  if (flag) return flag;
  return demo ? demoStatePath(env) : resolveStatePath(undefined, env);
}
