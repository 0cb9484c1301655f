// The way back end to end with the real CLI (child processes on real MariaDB): `cutover switch JOB.json
// --yes` under a writer on the old server that read_only stops switches to a new server whose binlog is set
// up as a source's, and starts `<job>-reverse` (the detached `cutover run` of the file it wrote, whose command
// it prints). The application then writes to the new server — inserts (its trigger there writes click_log),
// updates, deletes, a primary-key change, a delete and re-insert of one key, a keyless table — and
// `cutover rollback JOB.json --yes` leaves the old server equal to the new one (row by row and CHECKSUM
// TABLE), writable again with its trigger back, and the new server read-only.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { OwnMariadb } from '../helpers/own-mariadb.js';
import { TempDirs } from '../helpers/stream.js';
import { assertOldEqualsNew, assertRolledBack, cleanUpPair, jobRow, out, rollbackCli, startNewServer, streamingPair, switchUnderWriter, writeToNewServer, type Pair } from '../helpers/switched-pair.js';

describe('cutover switch --yes with the way back, then cutover rollback --yes', () => {
  const dirs = new TempDirs('cutover-way-back-');
  let server: OwnMariadb;
  let p: Pair | null = null;

  before(async () => {
    server = await startNewServer();
  });

  after(async () => {
    await cleanUpPair(p, server.url);
    await server?.stop();
    dirs.removeAll();
  });

  it('switches under load, streams the new server’s writes back, and rolls back to an equal, writable old server', async () => {
    p = await streamingPair(dirs, server.url, 'wb');
    const sw = await switchUnderWriter(p);
    assert.match(sw.stdout, /✓ Way back checked/, out(sw));
    assert.match(sw.stdout, /✓ Reverse job started/, out(sw));
    await assertOldEqualsNew(p, 'after the switch');

    await writeToNewServer(p);
    const rb = await rollbackCli(p);
    assert.equal(rb.code, 0, out(rb));
    assert.match(rb.stdout, /Rolled back: the new server is frozen \(proven\)/, out(rb));
    assert.equal(jobRow(p.state, p.reverse)?.state, 'switched', 'the reverse job drained to its fence and stopped for good');
    await assertOldEqualsNew(p, 'after the rollback');
    await assertRolledBack(p);
  });
});
