// `cutover status` wording that depends on positions, and the preflight's binlog retention item.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catchingUp, renderStatus } from '../../engine/cli/commands/status.js';
import { retentionItem } from '../../engine/source/mysql/preflight-source.js';
import { parseServerVersion } from '../../engine/mysql/server-info.js';
import type { JobStatus, StreamStatus } from '../../shared/job-status.js';

function status(phase: string, stream: Partial<StreamStatus>): JobStatus {
  return {
    name: 'j',
    mode: 'snapshot+stream',
    state: 'running',
    phase,
    error: null,
    startedAt: 1,
    finishedAt: null,
    updatedAt: 1,
    rowsCopied: 10,
    estimatedRows: 10,
    rowsPerSecond: 0,
    bytesPerSecond: 0,
    etaSeconds: null,
    sinkWaitingSeconds: null,
    copyStartPosition: { file: 'mysql-bin.000002', pos: 400, gtid: '0-1-40' },
    copyEndPosition: { file: 'mysql-bin.000002', pos: 900, gtid: null },
    stream: {
      applied: null,
      source: { file: 'mysql-bin.000003', pos: 7000, gtid: null },
      target: { file: 'mysql-bin.000002', pos: 900 },
      caughtUp: false,
      lagSeconds: 0.4,
      heartbeatLagMs: null,
      behindBytes: 120,
      behindTxs: null,
      retentionSecondsLeft: null,
      updatedAt: 1,
      eventsPerSecond: { transactions: 5, inserts: 5, updates: 0, deletes: 0, ddl: 0 },
      pendingDdl: null,
      pausedTables: [],
      ...stream,
    },
    tables: [],
  };
}

test('status says "catching up to" the copy end only until the applied position reaches it', () => {
  const before = status('catching-up', { applied: { file: 'mysql-bin.000002', pos: 600, gtid: null } });
  assert.equal(catchingUp(before), true);
  assert.match(renderStatus(before), /catching up to mysql-bin\.000002:900/);
  // Busy streaming long after the copy end (caughtUp is false whenever changes are waiting).
  const past = status('catching-up', { applied: { file: 'mysql-bin.000003', pos: 5000, gtid: null } });
  assert.equal(catchingUp(past), false);
  assert.doesNotMatch(renderStatus(past), /catching up to/);
  // Phase streaming (also what --exit-when-caught-up leaves) with a stale sample.
  const streaming = status('streaming', { applied: { file: 'mysql-bin.000002', pos: 600, gtid: null } });
  assert.doesNotMatch(renderStatus(streaming), /catching up to/);
});

test('status prints the copy positions as file:pos', () => {
  const out = renderStatus(status('streaming', {}));
  assert.match(out, /copy started at source binlog mysql-bin\.000002:400 \(GTID 0-1-40\)/);
  assert.match(out, /copy ended at source binlog mysql-bin\.000002:900\n/);
});

test('status says how long the sink has not answered, during the copy as while streaming, only while the job runs', () => {
  assert.doesNotMatch(renderStatus(status('copying', {})), /not answered/);
  assert.match(renderStatus({ ...status('copying', {}), sinkWaitingSeconds: 95 }), /the sink has not answered for 1m35s: the copy is waiting for it/);
  assert.match(renderStatus({ ...status('streaming', { sinkWaitingSeconds: 7 }), sinkWaitingSeconds: 7 }), /the sink has not answered for 7s: the job is waiting for it/);
  assert.doesNotMatch(renderStatus({ ...status('copying', {}), state: 'interrupted', sinkWaitingSeconds: 95 }), /not answered/);
});

test('binlog retention with the binary log off is not "Binlogs never expire"', () => {
  const info = parseServerVersion('10.11.6-MariaDB');
  const off = new Map([['log_bin', 'OFF']]);
  const streaming = retentionItem(info, off, 'fail', 'turn on log_bin');
  assert.equal(streaming.status, 'fail');
  assert.match(streaming.detail, /log_bin = OFF/);
  assert.doesNotMatch(streaming.detail, /never expire/);
  assert.equal(streaming.fix, 'turn on log_bin');
  assert.equal(retentionItem(info, off, 'warn').status, 'warn');
  const on = new Map([['log_bin', 'ON'], ['binlog_expire_logs_seconds', '0'], ['expire_logs_days', '0']]);
  assert.equal(retentionItem(info, on).status, 'pass');
  assert.match(retentionItem(info, on).detail, /never expire/);
});
