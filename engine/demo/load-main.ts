// The demo's write load as a process:
//   node dist/engine/demo/load-main.js <sourceUrl> [--tps N] [--database shop] [--seed N] [--quiet]
// Runs until SIGTERM or SIGINT, then finishes the transaction in flight and exits 0.
import { runWriteLoad } from './write-load.js';

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: node load-main.js <sourceUrl> [--tps N] [--database NAME] [--seed N] [--quiet]\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let url: string | undefined;
let tps = 20;
let database: string | undefined;
let seed: number | undefined;
let quiet = false;
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  const value = (): string => args[++i] ?? usage(`${a} needs a value`);
  if (a === '--tps') tps = Number(value());
  else if (a === '--database') database = value();
  else if (a === '--seed') seed = Number(value());
  else if (a === '--quiet') quiet = true;
  else if (a.startsWith('-')) usage(`unknown option ${a}`);
  else if (!url) url = a;
  else usage(`unexpected argument ${a}`);
}
if (!url || !/^(mysql|mariadb):\/\//.test(url)) usage('the first argument must be the source URL (mysql://user:password@host:port)');
if (!(tps > 0) || !Number.isFinite(tps)) usage('--tps must be a positive number');
if (seed !== undefined && !Number.isInteger(seed)) usage('--seed must be an integer');

const controller = new AbortController();
const stop = (): void => {
  if (controller.signal.aborted) return;
  controller.abort();
  // The transaction in flight gets a few seconds; a source that hangs must not keep the process.
  setTimeout(() => process.exit(0), 5000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// A closed stdout (the parent went away) must not kill the load with EPIPE.
process.stdout.on('error', () => undefined);

const log = quiet ? undefined : (line: string): void => void process.stdout.write(`${new Date().toISOString()} ${line}\n`);
await runWriteLoad({ url, tps, database, seed, signal: controller.signal, log });
process.exit(0);
