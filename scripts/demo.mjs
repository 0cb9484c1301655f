#!/usr/bin/env node
// `npm start`: a first look at Cutover without any setup. Starts throwaway local MariaDB source and
// sink servers, fills the source with the sample shop schema (test/fixtures/sample-shop.sql), copies
// it with `cutover run`, and shows `cutover status`. Stop the servers with `npm run services -- stop all --prefix demo --port-base 33260`.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { instances, startInstance, socketOf, urlOf } from './test-services.mjs';

const root = new URL('..', import.meta.url).pathname;
const inst = instances('demo', 33260);
const dir = join(process.env.CUTOVER_SERVICES_DIR ?? '/tmp/cutover-services', 'demo-job');
mkdirSync(dir, { recursive: true });

try {
  for (const i of [inst.source, inst.sink]) console.log(`${i.name}: ${(await startInstance(i)).url}`);
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
const fixture = readFileSync(join(root, 'test/fixtures/sample-shop.sql'), 'utf8');
// The fixture has routines with ';' inside: send it through the driver, not the mariadb client.
const conn = await mysql.createConnection({ socketPath: socketOf(inst.source), user: 'root', multipleStatements: true });
await conn.query(`DROP DATABASE IF EXISTS shop; CREATE DATABASE shop CHARACTER SET utf8mb4; USE shop;\n${fixture}`);
await conn.end();
spawnSync('mariadb', ['--no-defaults', `--socket=${socketOf(inst.sink)}`, '-uroot', '-e', 'DROP DATABASE IF EXISTS shop_copy']);
const job = {
  name: 'demo-shop',
  source: { url: urlOf(inst.source) },
  sink: { type: 'mysql', url: urlOf(inst.sink) },
  tables: { include: ['shop.*'] },
  rename: { shop: 'shop_copy' },
  mode: 'snapshot',
};
const jobPath = join(dir, 'job.json');
const state = join(dir, 'state.db');
writeFileSync(jobPath, JSON.stringify(job, null, 2));
console.log(`\njob file: ${jobPath}\n$ cutover run ${jobPath} --state ${state} --restart\n`);
const cli = join(root, 'bin/cutover.js');
const run = spawnSync(process.execPath, [cli, 'run', jobPath, '--state', state, '--restart'], { stdio: 'inherit' });
console.log(`\n$ cutover status --state ${state}\n`);
spawnSync(process.execPath, [cli, 'status', '--state', state], { stdio: 'inherit' });
process.exit(run.status ?? 1);
