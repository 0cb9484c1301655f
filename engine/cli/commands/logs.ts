import { resolveStatePath } from '../../state/default-path.js';
import { StateStore, type LogLevel, type LogRow } from '../../state/store.js';

function line(r: LogRow): string {
  return `${new Date(r.ts).toISOString()} ${r.level.toUpperCase().padEnd(5)} ${r.job ?? '-'}${r.tbl ? ` [${r.tbl}]` : ''} ${r.message}`;
}

export async function logsCommand(opts: { state?: string; job?: string; level: LogLevel; follow?: boolean; limit: string }): Promise<void> {
  const store = new StateStore(resolveStatePath(opts.state));
  let last = 0;
  const print = (limit: number): void => {
    for (const r of store.logs({ job: opts.job, minLevel: opts.level, afterId: last, limit })) {
      process.stdout.write(line(r) + '\n');
      last = r.id;
    }
  };
  print(Number(opts.limit) || 200);
  if (!opts.follow) {
    store.close();
    return;
  }
  await new Promise<void>((resolve) => {
    const t = setInterval(() => print(10_000), 500);
    const stop = (): void => {
      clearInterval(t);
      store.close();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
