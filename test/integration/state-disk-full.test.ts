// The state file's disk fills up (a small tmpfs, filled by the test): during the copy and during the
// stream the run stops with the state file's path, the free space and the fix, instead of exiting
// silently or streaming on with a frozen status; once space is freed, running the job again resumes and
// the sink ends equal to the source.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRun, exec, q, runCliWithTimeout, sourceUrl, uniqueName, writeJob, type CliResult } from '../helpers/db.js';
import { TempDirs, assertSinkEqualsSource, dropStreamTest, peekJob, quickJob } from '../helpers/stream.js';
import { STACK_TRACE, killLive, startLive, waitUntil, type LiveCli } from '../helpers/stream-cli.js';

const MESSAGE = /The state file \S*state\.db cannot be written: its disk is full \([\d.]+ (bytes|KiB|MiB) free in \S+; Cutover stops below 1\.0 MiB\)/;

/** Writes a file until the file system has no room left; returns its path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'a');
  try {
    for (const size of [1 << 20, 64 << 10, 4 << 10, 512]) {
      const buf = Buffer.alloc(size, 0x61);
      for (;;) {
        try {
          writeSync(fd, buf);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw e;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

function assertStoppedForSpace(r: CliResult, what: string): void {
  assert.notEqual(r.code, 0, `${what}\n${describeRun(r)}`);
  assert.notEqual(r.code, null, `${what}: killed\n${describeRun(r)}`);
  assert.match(r.stderr, MESSAGE, `${what}\n${describeRun(r)}`);
  assert.match(r.stderr, /Free space on that file system \(df -h \S+\)[^\n]*then run the same job again/, `${what}\n${describeRun(r)}`);
  assert.doesNotMatch(r.stderr, STACK_TRACE, `${what}\n${describeRun(r)}`);
}

describe('the state file disk fills up', () => {
  const dirs = new TempDirs('cutover-diskfull-');
  after(() => dirs.removeAll());

  it('during the copy and during the stream: the run stops with the path, free space and fix; freeing space and running again ends exact', { timeout: 8 * 60_000 }, async () => {
    const db = uniqueName('disk_full');
    const job = uniqueName('disk-full');
    const d = q(db);
    const dir = dirs.make();
    const mnt = mkdtempSync(join(tmpdir(), 'cutover-tmpfs-'));
    // mode=0700: a private folder, as a state file's folder must be (the secret key is refused in a shared one).
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tmpfs', mnt]);
    const state = join(mnt, 'state.db');
    const jobPath = writeJob(dir, quickJob(job, db));
    const runToEnd = (): Promise<CliResult> => runCliWithTimeout(['run', jobPath, '--state', state, '--exit-when-caught-up'], 240_000);
    let live: LiveCli | null = null;
    let filler: string | null = null;
    try {
      await exec(
        sourceUrl(),
        `CREATE DATABASE ${d}; USE ${d}; CREATE TABLE ${d}.t (id INT PRIMARY KEY, v VARCHAR(40), n BIGINT) ENGINE=InnoDB;
         INSERT INTO ${d}.t SELECT seq, CONCAT('v', seq), seq * 7 FROM seq_1_to_40000;`,
      );

      // 1. The copy: stopped (SIGSTOP) after its first chunks, the disk filled, then let go on.
      live = startLive(['run', jobPath, '--state', state, '--exit-when-caught-up']);
      const l = live;
      await waitUntil('the first copied chunks', () => (peekJob(state)?.chunksDone ?? 0) > 0, { live: l, ms: 120_000, everyMs: 20 });
      l.child.kill('SIGSTOP');
      const peek = peekJob(state);
      assert.equal(peek?.phase, 'copying', `the copy is still running when the disk fills: ${JSON.stringify(peek)}`);
      filler = fill(mnt);
      l.child.kill('SIGCONT');
      const copyRun = await l.done;
      live = null;
      assertStoppedForSpace(copyRun, 'the copy on a full disk');

      unlinkSync(filler);
      filler = null;
      const resumed = await runToEnd();
      assert.equal(resumed.code, 0, describeRun(resumed));
      await assertSinkEqualsSource(db, db, ['t'], 'after the copy resumed');

      // 2. The stream: the disk fills while changes are applied.
      live = startLive(['run', jobPath, '--state', state]);
      const s = live;
      await waitUntil('the stream to start reading the binlog', () => /streaming from /.test(s.out()) && peekJob(state)?.pid === s.child.pid, { live: s, ms: 120_000 });
      filler = fill(mnt);
      await exec(sourceUrl(), `UPDATE ${d}.t SET v = 'while full' WHERE id <= 500; DELETE FROM ${d}.t WHERE id BETWEEN 900 AND 950; INSERT INTO ${d}.t VALUES (50001, 'new', 1);`);
      // An unref'd timer: a pending one would keep this file's process alive for its full two minutes.
      const streamRun = await Promise.race([s.done, new Promise<null>((r) => setTimeout(() => r(null), 120_000).unref())]);
      assert.ok(streamRun, `the stream did not stop on a full disk:\n${s.out().slice(-6000)}`);
      live = null;
      assertStoppedForSpace(streamRun, 'the stream on a full disk');

      unlinkSync(filler);
      filler = null;
      await exec(sourceUrl(), `UPDATE ${d}.t SET n = -n WHERE id BETWEEN 2000 AND 2100; INSERT INTO ${d}.t VALUES (50002, 'after', 2);`);
      const streamed = await runToEnd();
      assert.equal(streamed.code, 0, describeRun(streamed));
      await assertSinkEqualsSource(db, db, ['t'], 'after the stream resumed');
    } finally {
      if (live) {
        live.child.kill('SIGCONT');
        await killLive(live);
      }
      try {
        execFileSync('umount', [mnt]);
      } catch {
        execFileSync('umount', ['-l', mnt]);
      }
      rmSync(mnt, { recursive: true, force: true });
      await dropStreamTest(job, db, db, true);
    }
  });
});
