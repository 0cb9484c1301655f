// One command run to completion by the service scripts (kafka-broker.mjs, kafka-connect.mjs,
// search-server.mjs): Maven fetches, unzip, the Kafka storage tool.
import { spawn } from 'node:child_process';

/**
 * Runs a command, collecting its stdout and stderr; resolves with them on exit 0, rejects on another exit
 * or when it was killed after `timeoutMs` (the error names the command, why it ended and its last 30 lines
 * of output, and carries the whole output as `output`).
 * @param {string} cmd @param {string[]} args @param {{ timeoutMs?: number, cwd?: string }} [o]
 * @returns {Promise<string>}
 */
export function run(cmd, args, { timeoutMs = 0, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = timeoutMs ? setTimeout(() => child.kill('SIGKILL'), timeoutMs) : null;
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (code === 0) resolve(out);
      else {
        const why = signal ? `was killed (${signal}${timeoutMs ? `, time limit ${timeoutMs / 1000} s` : ''})` : `exited with ${code}`;
        const last = out.trim() ? out.trim().split('\n').slice(-30).join('\n') : '(it printed nothing)';
        const e = /** @type {Error & { output?: string }} */ (new Error(`${cmd} ${why} after ${((Date.now() - started) / 1000).toFixed(1)} s:\n${last}`));
        e.output = out;
        reject(e);
      }
    });
  });
}
