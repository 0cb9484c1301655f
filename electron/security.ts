// The desktop shell's security rules as pure functions (no Electron imports), so they are unit-tested
// (test/unit/electron-security.test.ts) and main.ts only wires them to Electron's hooks:
// the CSP, which URLs a window may navigate to or open outside, which IPC senders are ours, which
// requests the renderer may make, which permissions it gets, and what a call or watch message may carry.
import { isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiErrorBody, ApiMethod } from '../shared/api.js';

/**
 * Every method of shared/api.ts ApiMethods. The preload keeps its own copy (a sandboxed preload cannot
 * require project files); both are checked against ApiMethods at compile time, in both directions.
 */
export const API_METHODS = [
  'info',
  'sinkKinds',
  'listJobs',
  'jobStatus',
  'jobConfig',
  'openJob',
  'start',
  'pause',
  'resume',
  'stop',
  'removeJob',
  'resumeTable',
  'skipMessage',
  'retryTable',
  'recopyTable',
  'history',
  'logs',
  'errors',
  'dismissError',
  'startDemo',
  'listProfiles',
  'saveProfile',
  'deleteProfile',
  'testProfile',
  'kafkaTopics',
  'kafkaTopicSample',
  'getDraft',
  'saveDraft',
  'discardDraft',
  'wizardPreflight',
  'sourceCatalog',
  'checkFilter',
  'sampleMessage',
  'mappingPreview',
  'estimate',
  'exportJob',
  'createJob',
  'verify',
  'verification',
  'repair',
  'verificationHistory',
  'cutoverState',
  'cutoverRun',
  'cutoverUndo',
  'cutoverReport',
  'cutoverKill',
  'rollbackState',
  'rollbackRun',
  'rollbackReport',
] as const satisfies readonly ApiMethod[];

type MissingMethod = Exclude<ApiMethod, (typeof API_METHODS)[number]>;
// A compile error here names a method added to ApiMethods but not to the list above.
const everyMethodListed: [MissingMethod] extends [never] ? true : MissingMethod = true;
void everyMethodListed;

const METHODS: ReadonlySet<string> = new Set(API_METHODS);

export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && METHODS.has(name);
}

/**
 * The renderer's Content-Security-Policy. The built renderer (Vite) is one module script and one
 * stylesheet from its own folder; React and uPlot set styles through the CSSOM, which style-src does not
 * restrict, so no 'unsafe-inline' is needed. If a dependency ever injects <style> elements, add
 * 'unsafe-inline' to style-src here (and only there).
 */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'connect-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  // Vite inlines small assets (fonts, icons) as data: URIs.
  'font-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'frame-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

export function buildCsp(directives: Readonly<Record<string, readonly string[]>> = CSP_DIRECTIVES): string {
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

export const RENDERER_CSP = buildCsp();

/** Response headers with every existing CSP header (any letter case) replaced by ours. */
export function withCsp(
  headers: Record<string, string | string[]> | undefined,
  csp: string = RENDERER_CSP,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === 'content-security-policy') continue;
    out[name] = Array.isArray(value) ? value : [value];
  }
  out['Content-Security-Policy'] = [csp];
  return out;
}

export interface PathOptions {
  /** Compare paths case-insensitively (Windows and default macOS volumes). Default: by platform. */
  caseInsensitive?: boolean;
}

const defaultCaseInsensitive = process.platform === 'win32' || process.platform === 'darwin';

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

function filePath(url: URL): string | null {
  if (url.protocol !== 'file:') return null;
  try {
    return fileURLToPath(url);
  } catch {
    return null;
  }
}

function samePath(a: string, b: string, o: PathOptions): boolean {
  const ci = o.caseInsensitive ?? defaultCaseInsensitive;
  return ci ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** Whether `url` is the renderer's own page (query and hash ignored: the app routes in the hash). */
export function isRendererUrl(url: string | null | undefined, rendererUrl: string, o: PathOptions = {}): boolean {
  if (!url) return false;
  const u = parse(url);
  const r = parse(rendererUrl);
  if (!u || !r) return false;
  const up = filePath(u);
  const rp = filePath(r);
  if (up === null || rp === null) return false;
  return samePath(up, rp, o);
}

/** Whether `url` is a file inside `dir` (the renderer's build folder), with no way out through `..`. */
export function isFileInside(url: string, dir: string, o: PathOptions = {}): boolean {
  const u = parse(url);
  if (!u) return false;
  const p = filePath(u);
  if (p === null) return false;
  const ci = o.caseInsensitive ?? defaultCaseInsensitive;
  const rel = ci ? relative(dir.toLowerCase(), p.toLowerCase()) : relative(dir, p);
  return rel !== '' && !rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel);
}

/** Links the OS browser may open: plain http(s) URLs without credentials. */
export function isExternalUrl(url: string): boolean {
  const u = parse(url);
  if (!u) return false;
  return (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '' && u.hostname !== '';
}

export type NavigationDecision = 'allow' | 'external' | 'deny';

/**
 * A window navigating (will-navigate): to its own page it may (a reload or a hash route); an http(s)
 * link opens in the OS browser; everything else is refused.
 */
export function navigationDecision(url: string, rendererUrl: string, o: PathOptions = {}): NavigationDecision {
  if (isRendererUrl(url, rendererUrl, o)) return 'allow';
  if (isExternalUrl(url)) return 'external';
  return 'deny';
}

/** window.open / target=_blank: never a new Electron window; http(s) opens in the OS browser. */
export function windowOpenDecision(url: string): 'external' | 'deny' {
  return isExternalUrl(url) ? 'external' : 'deny';
}

/**
 * Requests from the session (webRequest.onBeforeRequest): files of the renderer's folder, inline data,
 * and DevTools' own schemes. Everything else (other local files, any network) is cancelled: the app
 * talks to its engine over IPC only.
 */
export function isAllowedRequest(url: string, rendererDir: string, o: PathOptions = {}): boolean {
  const u = parse(url);
  if (!u) return false;
  switch (u.protocol) {
    case 'file:':
      return isFileInside(url, rendererDir, o);
    case 'about:':
    case 'data:':
    case 'blob:':
    case 'devtools:':
    case 'chrome-extension:':
      return true;
    default:
      return false;
  }
}

/**
 * Permissions the renderer gets: writing plain text to the clipboard ("Copy" buttons for job files and
 * errors). Nothing else: no notifications, media, geolocation, HID, serial, USB, fullscreen by script...
 */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

export function isPermissionAllowed(permission: string, requestingUrl: string | null | undefined, rendererUrl: string, o: PathOptions = {}): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isRendererUrl(requestingUrl, rendererUrl, o);
}

export interface SenderInfo {
  /** event.senderFrame?.url (null when the frame is gone). */
  frameUrl: string | null | undefined;
  /** The sender frame is its page's main frame (not an iframe). */
  isMainFrame: boolean;
  /** event.sender.id */
  webContentsId: number;
}

/** An IPC message is ours when it comes from the main frame of one of our windows showing our page. */
export function isTrustedSender(
  sender: SenderInfo,
  trusted: { rendererUrl: string; webContentsIds: Iterable<number> },
  o: PathOptions = {},
): boolean {
  if (!sender.isMainFrame) return false;
  if (![...trusted.webContentsIds].includes(sender.webContentsId)) return false;
  return isRendererUrl(sender.frameUrl, trusted.rendererUrl, o);
}

export function apiError(code: string, message: string, fix: string | null = null): ApiErrorBody {
  return { code, message, fix };
}

/** Bounds on what the renderer may send (the host validates the arguments themselves). */
export const LIMITS = { argsCount: 8, watchJobs: 256, jobNameLength: 512 } as const;

export type CallValidation = { ok: true; method: ApiMethod; args: unknown[] } | { ok: false; error: ApiErrorBody };

export function validateCall(method: unknown, args: unknown): CallValidation {
  if (!isApiMethod(method)) {
    return { ok: false, error: apiError('UNKNOWN_METHOD', `The engine has no method ${JSON.stringify(String(method)).slice(0, 80)}.`) };
  }
  if (args === undefined) return { ok: true, method, args: [] };
  if (!Array.isArray(args) || args.length > LIMITS.argsCount) {
    return { ok: false, error: apiError('BAD_ARGUMENTS', `The arguments of ${method} must be a list of at most ${LIMITS.argsCount} values.`) };
  }
  return { ok: true, method, args };
}

/** The jobs a watch message names, or null when the message is malformed. */
export function validateWatch(jobs: unknown): string[] | null {
  if (!Array.isArray(jobs) || jobs.length > LIMITS.watchJobs) return null;
  const out: string[] = [];
  for (const j of jobs) {
    if (typeof j !== 'string' || j.length === 0 || j.length > LIMITS.jobNameLength) return null;
    if (!out.includes(j)) out.push(j);
  }
  return out;
}
