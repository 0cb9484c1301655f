// Pure parts of the silent-failure reports: a sink call that has waited long (engine/pipeline/sink-watch.ts),
// a row over the sink's max_allowed_packet (engine/mysql/packet-limit.ts, the preflight item of
// engine/sink/mysql/preflight.ts), and the state file's disk filling up (engine/state/disk-space.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SinkWatch, sinkWaitWarnMs } from '../../engine/pipeline/sink-watch.js';
import type { Logger } from '../../engine/core/logger.js';
import { fitsPacket, keyText, packetFix, packetFor, rowTooLarge } from '../../engine/mysql/packet-limit.js';
import { rowSizeItem } from '../../engine/sink/mysql/preflight.js';
import { StateDiskFull, StateSpaceGuard, isDiskFull } from '../../engine/state/disk-space.js';

function recordingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = (level: string, m: string): void => void lines.push(`${level} ${m}`);
  return { lines, log: { log: (l, m) => log(l, m), info: (m) => log('info', m), warn: (m) => log('warn', m), error: (m) => log('error', m), debug: (m) => log('debug', m) } };
}

test('a sink call that waits past the threshold is warned about once per threshold, shown in seconds, and its answer is logged', async () => {
  const { log, lines } = recordingLogger();
  let now = 1_000_000;
  const watch = new SinkWatch(log, '127.0.0.1:3306', 10_000, () => now);
  const told: (number | null)[] = [];
  watch.onWaiting = (since) => void told.push(since);
  let answer!: (v: string) => void;
  const pending = watch.around('applying 3 transaction(s)', () => new Promise<string>((r) => (answer = r)));
  now += 9_000;
  watch.check();
  assert.equal(watch.waitingSeconds, null, 'under the threshold: nothing to show');
  assert.deepEqual(lines, []);
  assert.deepEqual(told, [], 'under the threshold: nothing recorded');
  now += 2_000;
  watch.check();
  watch.check();
  assert.equal(watch.waitingSeconds, 11);
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /^warn the sink \(127\.0\.0\.1:3306\) has not answered for 11 s \(applying 3 transaction\(s\)\); the job is waiting/);
  assert.match(lines[0]!, /SHOW PROCESSLIST/);
  now += 10_000;
  watch.check();
  assert.equal(lines.length, 2);
  assert.match(lines[1]!, /has not answered for 21 s/);
  assert.deepEqual(told, [1_000_000], 'told once, with when the call began, at the first warning');
  now += 500;
  answer('done');
  assert.equal(await pending, 'done');
  assert.match(lines[2]!, /^info the sink \(127\.0\.0\.1:3306\) answered again after 22 s/);
  assert.equal(watch.waitingSeconds, null);
  assert.deepEqual(told, [1_000_000, null], 'and told when the sink answered');
  watch.stop();
});

test('a quick sink call logs nothing; the threshold comes from CUTOVER_SINK_WAIT_WARN_SECONDS (default 30 s)', async () => {
  const { log, lines } = recordingLogger();
  const watch = new SinkWatch(log, 'x', 10_000);
  assert.equal(await watch.around('reading', async () => 7), 7);
  watch.stop();
  assert.deepEqual(lines, []);
  assert.equal(sinkWaitWarnMs({}), 30_000);
  assert.equal(sinkWaitWarnMs({ CUTOVER_SINK_WAIT_WARN_SECONDS: '2' }), 2_000);
  assert.equal(sinkWaitWarnMs({ CUTOVER_SINK_WAIT_WARN_SECONDS: 'soon' }), 30_000);
});

test('packet limit: what fits, the max_allowed_packet that holds a row, the key and the message', () => {
  assert.equal(fitsPacket(1000, 4096), true);
  assert.equal(fitsPacket(4000, 4096), false, 'the protocol needs room besides the statement');
  assert.equal(packetFor(1_400_000), 16 * 1024 * 1024);
  assert.equal(packetFor(20 * 1024 * 1024), 32 * 1024 * 1024);
  assert.equal(packetFor(2 * 1024 * 1024 * 1024), 1024 * 1024 * 1024, 'never above the 1 GiB servers accept');
  assert.match(packetFix(2 * 1024 * 1024 * 1024), /No MySQL or MariaDB server accepts a row over 1 GiB/);
  assert.equal(keyText(['a', 'b'], ['x', 'b', 'a'], ['1', '2', '3']), '(a, b) = (3, 2)');
  assert.equal(keyText([], ['x'], ['1']), '(no primary or unique key)');
  assert.equal(keyText(['k'], ['k'], [null]), '(k) = (NULL)');
  const e = rowTooLarge({ table: 'shop.docs', key: '(id) = (7)', bytes: 1_400_000, limit: 1024 * 1024, during: 'copy' });
  assert.equal(e.code, 'SINK_ROW', 'the job pauses');
  assert.equal(e.message, "A row of shop.docs with key (id) = (7) is 1.3 MiB when written (copy), larger than the sink's max_allowed_packet of 1.0 MiB: the sink would drop the connection on every retry.");
  assert.match(e.fix ?? '', /^SET GLOBAL max_allowed_packet = 16777216; on the sink \(and max_allowed_packet = 16M under \[mysqld\]/);
});

test('preflight largest row: fail on a measured row over the limit, warn on an unmeasured bound, pass otherwise', () => {
  const limit = 4 * 1024 * 1024;
  const fail = rowSizeItem([{ table: 'a.small', bytes: 1000, measured: true }, { table: 'a.big', bytes: 5 * 1024 * 1024, measured: true }], limit);
  assert.equal(fail.status, 'fail');
  assert.match(fail.detail, /a\.big has a row of 5\.0 MiB \(measured\), larger than the sink's max_allowed_packet of 4\.0 MiB/);
  assert.deepEqual(fail.tables, ['a.big']);
  assert.match(fail.fix ?? '', /SET GLOBAL max_allowed_packet = 16777216;/);
  const warn = rowSizeItem([{ table: 'a.huge', bytes: 4 * 1024 ** 3, measured: false, dataBytes: 2 * 1024 ** 3 }], limit);
  assert.equal(warn.status, 'warn');
  assert.match(warn.detail, /a\.huge \(2048\.0 MiB, not measured: too large to scan here\)/);
  const pass = rowSizeItem([{ table: 'a.docs', bytes: 3000, measured: true }], limit);
  assert.equal(pass.status, 'pass');
  assert.match(pass.detail, /The largest row \(a\.docs, 2\.9 KiB, measured\) fits/);
  assert.equal(rowSizeItem([], limit).status, 'pass');
});

test('state file disk: SQLITE_FULL and ENOSPC count as a full disk; the guard stops below its minimum free space with the path and the fix', () => {
  assert.equal(isDiskFull(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })), true);
  assert.equal(isDiskFull(Object.assign(new Error('no space'), { code: 'ENOSPC' })), true);
  assert.equal(isDiskFull(new Error('other')), false);
  const dir = mkdtempSync(join(tmpdir(), 'cutover-space-'));
  try {
    const path = join(dir, 'state.db');
    new StateSpaceGuard(path, 1).check(); // 1 byte is always free here
    assert.throws(
      () => new StateSpaceGuard(path, Number.MAX_SAFE_INTEGER).check(),
      (e: unknown) => {
        assert.ok(e instanceof StateDiskFull);
        assert.equal(e.code, 'STATE_DISK_FULL');
        assert.ok(e.message.startsWith(`The state file ${path} cannot be written: its disk is full (`), e.message);
        assert.match(e.fix ?? '', /^Free space on that file system \(df -h .*\), or run with --state on a disk with room/);
        return true;
      },
    );
    new StateSpaceGuard(':memory:', Number.MAX_SAFE_INTEGER).check();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
