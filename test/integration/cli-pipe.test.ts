// `cutover logs | head`: a reader that closes the pipe early ends the command quietly (exit 0), without
// the EPIPE stack trace Node prints by default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { StateStore } from '../../engine/state/store.js';
import { CLI, tempDir } from '../helpers/db.js';

test('cutover logs into a pipe that its reader closes after the first line exits 0 without a stack trace', async () => {
  const state = join(tempDir('cutover-pipe-'), 'state.db');
  const store = new StateStore(state);
  for (let i = 0; i < 20_000; i++) store.log('info', 'piped', null, `line ${i} ${'x'.repeat(80)}`);
  store.close();
  const child = spawn(process.execPath, [CLI, 'logs', '--state', state, '--job', 'piped', '--limit', '20000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  // Like `head -1`: read the first chunk, then close our end of the pipe.
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(stderr, '', 'nothing on stderr');
  assert.equal(code, 0);
});
