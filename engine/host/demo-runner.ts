// "Try the demo" for the engine host: prepares the throwaway servers and the sample shop (engine/demo),
// and runs the light write load beside the job until the host shuts down.
import { spawn, type ChildProcess } from 'node:child_process';
import type { DemoInfo } from '../../shared/api.js';
import { CutoverError } from '../../shared/errors.js';
import { demoAvailability, prepareDemo } from '../demo/demo.js';

export class DemoRunner {
  private load: ChildProcess | null = null;
  private loadArgs: string[] | null = null;
  private job: string | null = null;
  private preparing: Promise<object> | null = null;

  constructor(private readonly root: string) {}

  info(): DemoInfo {
    const a = demoAvailability(this.root);
    return { available: a.available, reason: a.reason, job: this.job };
  }

  /** Starts (or reuses) the demo servers and fills the source; returns the demo's job file object. */
  async prepare(log: (line: string) => void): Promise<object> {
    const a = demoAvailability(this.root);
    if (!a.available) throw new CutoverError(`The demo cannot run here: ${a.reason}`, a.reason ?? 'Install the MariaDB server binaries.', 'DEMO');
    if (this.preparing) throw new CutoverError('The demo is already starting.', 'Wait for it: it appears in the jobs list when ready.', 'STATE');
    const preparing = prepareDemo({ root: this.root, log }).then((d) => {
      this.loadArgs = d.loadArgs;
      this.job = (d.config as { name: string }).name;
      return d.config;
    });
    this.preparing = preparing;
    try {
      return await preparing;
    } finally {
      this.preparing = null;
    }
  }

  /** The write load on the demo source, restarted if it was running. */
  startLoad(): void {
    if (!this.loadArgs) return;
    this.load?.kill('SIGTERM');
    const env = { ...process.env, ...(process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}) };
    const child = spawn(process.execPath, this.loadArgs, { env, stdio: 'ignore' });
    child.on('exit', () => {
      if (this.load === child) this.load = null;
    });
    this.load = child;
  }

  async stop(): Promise<void> {
    const child = this.load;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  }
}
