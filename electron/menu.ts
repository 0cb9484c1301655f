// The application menu: File (open a job file, quit), Edit (so copy/paste work on macOS), View
// (reload, DevTools, zoom, theme), Help (about, documentation, the state file).
import { Menu, type MenuItemConstructorOptions } from 'electron';

export type Theme = 'system' | 'light' | 'dark';

export interface MenuActions {
  openJobFile(): void;
  setTheme(theme: Theme): void;
  theme(): Theme;
  about(): void;
  /** null: no documentation link known (the item is disabled). */
  docs: (() => void) | null;
  showStateFile(): void;
}

export function buildMenu(a: MenuActions): Menu {
  const isMac = process.platform === 'darwin';
  const themeItem = (theme: Theme, label: string): MenuItemConstructorOptions => ({
    label,
    type: 'radio',
    checked: a.theme() === theme,
    click: () => a.setTheme(theme),
  });
  const template: MenuItemConstructorOptions[] = [
    ...(isMac
      ? [
          {
            label: 'Cutover',
            submenu: [
              { label: 'About Cutover', click: () => a.about() },
              { type: 'separator' },
              { role: 'services' },
              { type: 'separator' },
              { role: 'hide' },
              { role: 'hideOthers' },
              { role: 'unhide' },
              { type: 'separator' },
              { role: 'quit' },
            ],
          } satisfies MenuItemConstructorOptions,
        ]
      : []),
    {
      label: '&File',
      submenu: [
        { label: 'Open Job File…', accelerator: 'CmdOrCtrl+O', click: () => a.openJobFile() },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        { role: 'reload' },
        { role: 'toggleDevTools' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        {
          label: 'Theme',
          submenu: [themeItem('system', 'Follow the System'), themeItem('light', 'Light'), themeItem('dark', 'Dark')],
        },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    {
      role: 'help',
      submenu: [
        { label: 'Documentation', enabled: a.docs !== null, click: () => a.docs?.() },
        { label: 'Show the State File', click: () => a.showStateFile() },
        ...(isMac ? [] : [{ type: 'separator' } as const, { label: 'About Cutover', click: () => a.about() }]),
      ],
    },
  ];
  return Menu.buildFromTemplate(template);
}
