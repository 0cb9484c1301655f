#!/usr/bin/env node
// Refreshes the table of measured test file durations that `npm test` deals its lanes from
// (scripts/test-durations.json, committed), with the durations the last lanes run measured
// (test-artifacts/test-durations-last.json, written by scripts/run-tests.mjs):
//
//   npm test && node scripts/test-durations.mjs            # every file measured in that run is updated
//   node scripts/test-durations.mjs --prune                # … and files that no longer exist are dropped
//   node scripts/test-durations.mjs FILE.json              # from another run's saved durations
//
// A file the table does not know counts as DEFAULT_SECONDS (scripts/test-lanes.mjs) until it is measured.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DURATIONS_FILE, LAST_DURATIONS_FILE, readDurations, sortKeys } from './test-lanes.mjs';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const prune = args.includes('--prune');
const from = args.find((a) => !a.startsWith('--')) ?? LAST_DURATIONS_FILE;
if (!existsSync(from)) {
  console.error(`${from} does not exist: run \`npm test\` (with the lanes) first; it writes the durations it measured there.`);
  process.exit(1);
}
const measured = JSON.parse(readFileSync(from, 'utf8'));
const table = { ...readDurations(), ...measured };
if (prune) for (const key of Object.keys(table)) if (!existsSync(join(root, key))) delete table[key];
writeFileSync(DURATIONS_FILE, `${JSON.stringify(sortKeys(table), null, 2)}\n`);
console.log(`${DURATIONS_FILE}: ${Object.keys(measured).length} files updated from ${from}, ${Object.keys(table).length} in all`);
