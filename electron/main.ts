// Cutover's Electron main process: a thin shell. It opens one secure window on the built renderer
// (dist/renderer), runs the engine in a utilityProcess (electron/engine-process.ts), relays the
// renderer's API calls and events between the two over IPC, and pauses the jobs cleanly on quit.
// The rules it enforces (CSP, navigation, IPC senders, permissions) are in electron/security.ts.
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeTheme, session, shell, webContents, type IpcMainEvent, type IpcMainInvokeEvent } from 'electron';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { IPC, type ApiMethod, type ApiResponse } from '../shared/api.js';
import { EngineClient } from './engine-client.js';
import { secretKeyEnv } from './secret-key.js';
import { buildMenu, type Theme } from './menu.js';
import {
  isAllowedRequest,
  isPermissionAllowed,
  isTrustedSender,
  navigationDecision,
  validateCall,
  validateWatch,
  windowOpenDecision,
  withCsp,
} from './security.js';

const here = dirname(fileURLToPath(import.meta.url)); // <app>/dist/electron
const root = resolve(here, '..', '..'); // the project folder, or app.asar when packaged
const rendererIndex = join(root, 'dist', 'renderer', 'index.html');
const rendererDir = dirname(rendererIndex);
const rendererUrl = pathToFileURL(rendererIndex).href;
const preloadPath = join(here, 'preload.cjs');
const engineEntry = join(here, 'engine-process.js');

const SHUTDOWN_TIMEOUT_MS = 15_000;
const MAX_JOB_FILE_BYTES = 10 * 1024 * 1024;

interface PackageInfo {
  version: string;
  homepage: string | null;
}
function readPackage(): PackageInfo {
  try {
    const p = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown; homepage?: unknown };
    return { version: typeof p.version === 'string' ? p.version : app.getVersion(), homepage: typeof p.homepage === 'string' ? p.homepage : null };
  } catch {
    return { version: app.getVersion(), homepage: null };
  }
}
const pkg = readPackage();

// The same per-user folder the CLI uses (engine/state/default-path.ts): ~/.config/Cutover,
// %APPDATA%\Cutover, ~/Library/Application Support/Cutover — also when started as `electron main.js`,
// where Electron would otherwise name it after the package ("cutover") or "Electron".
app.setName('Cutover');
app.setPath('userData', join(app.getPath('appData'), 'Cutover'));
if (process.platform === 'win32') app.setAppUserModelId('dev.cutover.app');
const statePath = process.env.CUTOVER_STATE || join(app.getPath('userData'), 'state.db');
const prefsPath = join(app.getPath('userData'), 'preferences.json');

// Every renderer is sandboxed, whatever a window's options say.
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  // A second launch: the first instance focuses its window (second-instance below); this one ends.
  app.exit(0);
} else {
  main();
}

function main(): void {
  let win: BrowserWindow | null = null;
  let quitting = false;
  let exitReady = false;
  const windows = new Set<number>(); // webContents ids of our windows

  let keyEnv: Record<string, string> | null = null;
  const engine = new EngineClient({
    entry: engineEntry,
    statePath,
    // The installation's secret key from the OS keychain (read once; the engine is only started after 'ready').
    env: () => (keyEnv ??= secretKeyEnv(statePath)),
    onEvent(conn, event) {
      const wc = webContents.fromId(conn);
      if (wc && !wc.isDestroyed()) wc.send(IPC.event, event);
    },
    onCrash(code, restarting) {
      console.error(`Cutover: the engine process exited with code ${code}; ${restarting ? 'restarting it' : 'it keeps crashing, not restarting'}.`);
      if (!restarting && win && !win.isDestroyed()) {
        void dialog.showMessageBox(win, {
          type: 'error',
          message: 'The Cutover engine keeps crashing.',
          detail: `Jobs keep their last checkpoint in ${statePath}. Quit and start Cutover again; if it happens again, run \`cutover status\` in a terminal to see the error.`,
        });
      }
    },
  });

  // ---- preferences (the theme) ----
  function readTheme(): Theme {
    try {
      const t = (JSON.parse(readFileSync(prefsPath, 'utf8')) as { theme?: unknown }).theme;
      return t === 'light' || t === 'dark' ? t : 'system';
    } catch {
      return 'system';
    }
  }
  function setTheme(theme: Theme): void {
    nativeTheme.themeSource = theme; // the renderer's prefers-color-scheme follows it
    try {
      mkdirSync(dirname(prefsPath), { recursive: true });
      writeFileSync(prefsPath, JSON.stringify({ theme }, null, 2) + '\n');
    } catch (e) {
      console.error('Cutover: cannot save preferences:', e);
    }
    installMenu();
  }

  // ---- IPC: only from our window's main frame showing our page ----
  function trusted(e: IpcMainEvent | IpcMainInvokeEvent): boolean {
    const frame = e.senderFrame;
    return isTrustedSender(
      { frameUrl: frame?.url, isMainFrame: !!frame && frame.parent === null, webContentsId: e.sender.id },
      { rendererUrl, webContentsIds: windows },
    );
  }

  ipcMain.handle(IPC.call, async (e, method: unknown, args: unknown): Promise<ApiResponse<ApiMethod>> => {
    if (!trusted(e)) {
      console.error(`Cutover: refused an API call from ${e.senderFrame?.url ?? 'a frame that is gone'}`);
      return { ok: false, error: { code: 'FORBIDDEN', message: 'This page may not use the Cutover API.', fix: null } };
    }
    const v = validateCall(method, args);
    if (!v.ok) return { ok: false, error: v.error };
    return engine.call(v.method, v.args);
  });

  ipcMain.on(IPC.watch, (e, jobs: unknown) => {
    if (!trusted(e)) return;
    const list = validateWatch(jobs);
    if (list) engine.watch(e.sender.id, list);
  });

  // ---- the session: CSP, requests, permissions ----
  const ses = session.defaultSession;
  ses.webRequest.onHeadersReceived((details, callback) => {
    const frame = details.resourceType === 'mainFrame' || details.resourceType === 'subFrame';
    if (frame && details.url.startsWith('file:')) callback({ responseHeaders: withCsp(details.responseHeaders) });
    else callback({});
  });
  ses.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAllowedRequest(details.url, rendererDir);
    if (!allowed) console.error(`Cutover: blocked a request to ${details.url.slice(0, 200)}`);
    callback({ cancel: !allowed });
  });
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => {
    callback(isPermissionAllowed(permission, details.requestingUrl, rendererUrl));
  });
  ses.setPermissionCheckHandler((wc, permission, _origin, details) =>
    isPermissionAllowed(permission, details.requestingUrl ?? wc?.getURL(), rendererUrl),
  );
  ses.setDevicePermissionHandler(() => false);

  // Every web contents (windows, DevTools, anything a page might create): no new windows, no webviews,
  // no navigation away from our page; http(s) links open in the OS browser.
  app.on('web-contents-created', (_e, wc) => {
    wc.setWindowOpenHandler(({ url }) => {
      if (windowOpenDecision(url) === 'external') void shell.openExternal(url);
      return { action: 'deny' };
    });
    wc.on('will-attach-webview', (e) => e.preventDefault());
    wc.on('will-navigate', (e) => {
      if (wc.getType() !== 'window') return;
      const decision = navigationDecision(e.url, rendererUrl);
      if (decision === 'allow') return;
      e.preventDefault();
      if (decision === 'external') void shell.openExternal(e.url);
    });
  });

  // ---- the window ----
  function createWindow(): void {
    if (!existsSync(rendererIndex)) {
      dialog.showErrorBox('Cutover is not built', `${rendererIndex} is missing. Run \`npm run build\` in the project folder, then start Cutover again.`);
      app.quit();
      return;
    }
    const w = new BrowserWindow({
      title: 'Cutover',
      width: 1280,
      height: 840,
      minWidth: 880,
      minHeight: 560,
      show: false,
      backgroundColor: nativeTheme.shouldUseDarkColors ? '#17181b' : '#ffffff',
      ...(process.platform === 'linux' && existsSync(join(root, 'build', 'icon.png')) ? { icon: join(root, 'build', 'icon.png') } : {}),
      webPreferences: {
        preload: preloadPath,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        navigateOnDragDrop: false,
        spellcheck: false,
        safeDialogs: true,
      },
    });
    win = w;
    const wc = w.webContents;
    const id = wc.id;
    windows.add(id);

    // One engine connection per page: opened by the page's first watch message (the preload sends one
    // when the page subscribes to events), closed when the page goes away or reloads.
    wc.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) engine.disconnect(id);
    });
    let lastReload = 0;
    wc.on('render-process-gone', (_e, details) => {
      engine.disconnect(id);
      console.error(`Cutover: the window's renderer process is gone (${details.reason}).`);
      // Reload a crashed page, but not in a loop (a page that crashes at once stays blank).
      if (details.reason !== 'clean-exit' && !w.isDestroyed() && Date.now() - lastReload > 10_000) {
        lastReload = Date.now();
        wc.reload();
      }
    });
    wc.on('destroyed', () => {
      engine.disconnect(id);
      windows.delete(id);
    });
    w.once('ready-to-show', () => w.show());
    // Shown even if the page never paints (a renderer error): a window with DevTools beats no window.
    setTimeout(() => {
      if (!w.isDestroyed() && !w.isVisible() && !quitting) w.show();
    }, 5000);
    w.on('closed', () => {
      if (win === w) win = null;
    });
    void w.loadFile(rendererIndex).catch((e: unknown) => console.error('Cutover: cannot load the window:', e));
  }

  function focusWindow(): void {
    if (!win || win.isDestroyed()) return createWindow();
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  // ---- menu actions ----
  async function showError(message: string, detail: string): Promise<void> {
    if (win && !win.isDestroyed()) await dialog.showMessageBox(win, { type: 'error', message, detail });
    else dialog.showErrorBox(message, detail);
  }

  async function openJobFile(): Promise<void> {
    const parent = win && !win.isDestroyed() ? win : undefined;
    const options: Electron.OpenDialogOptions = {
      title: 'Open a Job File',
      properties: ['openFile'],
      filters: [
        { name: 'Cutover job files', extensions: ['json'] },
        { name: 'All files', extensions: ['*'] },
      ],
    };
    const picked = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
    const file = picked.filePaths[0];
    if (picked.canceled || !file) return;
    let text: string;
    try {
      const st = await stat(file);
      if (st.size > MAX_JOB_FILE_BYTES) throw new Error(`it is ${Math.round(st.size / 1024 / 1024)} MB; a job file is a few kilobytes`);
      text = await readFile(file, 'utf8');
    } catch (e) {
      return showError(`Cannot read ${basename(file)}`, e instanceof Error ? e.message : String(e));
    }
    const r = await engine.call('openJob', [{ text, fileName: basename(file) }]);
    if (!r.ok) return showError(`${basename(file)} was not added`, r.error.fix ? `${r.error.message}\n\n${r.error.fix}` : r.error.message);
    const { name } = r.result as { name: string };
    // The engine pushes the new jobs list to the window; say where the job is.
    if (parent && !parent.isDestroyed()) {
      await dialog.showMessageBox(parent, { type: 'info', message: `Job “${name}” added`, detail: `From ${file}. It is in the jobs list, ready to start.` });
    }
  }

  async function about(): Promise<void> {
    const detail = [
      `Version ${pkg.version}`,
      `Electron ${process.versions.electron}, Chromium ${process.versions.chrome}, Node ${process.versions.node}`,
      '',
      `State file: ${statePath}`,
    ].join('\n');
    const opts: Electron.MessageBoxOptions = { type: 'info', title: 'About Cutover', message: 'Cutover', detail, buttons: ['OK', 'Show the State File'], defaultId: 0, cancelId: 0 };
    const r = win && !win.isDestroyed() ? await dialog.showMessageBox(win, opts) : await dialog.showMessageBox(opts);
    if (r.response === 1) showStateFile();
  }

  function showStateFile(): void {
    if (existsSync(statePath)) shell.showItemInFolder(statePath);
    else void shell.openPath(dirname(statePath));
  }

  function docs(): (() => void) | null {
    if (pkg.homepage && windowOpenDecision(pkg.homepage) === 'external') return () => void shell.openExternal(pkg.homepage!);
    const readme = join(root, 'README.md');
    if (!app.isPackaged && existsSync(readme)) return () => void shell.openPath(readme);
    return null;
  }

  const docsAction = docs();
  function installMenu(): void {
    Menu.setApplicationMenu(
      buildMenu({
        openJobFile: () => void openJobFile().catch((e: unknown) => console.error('Cutover: open job file failed:', e)),
        setTheme,
        theme: () => nativeTheme.themeSource,
        about: () => void about(),
        docs: docsAction,
        showStateFile,
      }),
    );
  }

  // ---- lifecycle ----
  app.on('second-instance', () => focusWindow());

  app.on('before-quit', (e) => {
    if (exitReady) return;
    e.preventDefault();
    if (quitting) return;
    quitting = true;
    // The window goes away at once; the engine pauses the running jobs (each commits its batch in
    // flight and checkpoints) and closes the state file; after the timeout it is ended regardless.
    for (const w of BrowserWindow.getAllWindows()) w.hide();
    void engine.shutdown(SHUTDOWN_TIMEOUT_MS).finally(() => {
      exitReady = true;
      app.exit(0);
    });
  });
  app.on('window-all-closed', () => {
    // macOS keeps the app (and its running jobs) until Cmd+Q, as Mac apps do.
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (app.isReady() && BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());

  void app.whenReady().then(() => {
    nativeTheme.themeSource = readTheme();
    installMenu();
    engine.start();
    createWindow();
  });
}
