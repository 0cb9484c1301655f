// Outside the driver folders nothing decides by comparing an endpoint's kind name: shared/ and the renderer
// (but its endpoints/<kind>/ modules, the one place that names kinds) ask the drivers' descriptors for
// capabilities (shared/sink-capabilities.ts, the API's `sinkKinds`) and summaries (ProfileSummary.description).
// The test reads every .ts/.tsx file there and fails on `=== 'kafka'`, `'mysql' !==`, `case 'postgres':` and
// the like, naming the file and line. The job file's schema (shared/job-config.ts) looks each endpoint's
// rules up by its `type` (shared/job-rules.ts) instead. EXCEPTIONS is a ratchet: a listed file without such
// a comparison fails too, so the list only shrinks (it is empty now).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '../helpers/db.js';
import { sinkKinds } from '../../engine/sink/registry.js';
import { sourceKinds } from '../../engine/source/registry.js';

const EXCEPTIONS = new Set<string>([]);

function files(dir: string, skip: (path: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (skip(relative(ROOT, p))) continue;
    if (statSync(p).isDirectory()) out.push(...files(p, skip));
    else if (/\.tsx?$/.test(e)) out.push(p);
  }
  return out;
}

/** Lines comparing a string literal that is a kind name: `=== 'kafka'`, `'mysql' !=`, `case 'postgres':`. */
export function kindComparisons(text: string, kinds: readonly string[]): string[] {
  const k = kinds.map((n) => n.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join('|');
  const lit = `(?:'(?:${k})'|"(?:${k})"|\`(?:${k})\`)`;
  const re = new RegExp(`[!=]==?\\s*${lit}|${lit}\\s*[!=]==?|\\bcase\\s+${lit}\\s*:`);
  return text.split('\n').flatMap((line, i) => (re.test(line.replace(/\/\/.*$/, '')) ? [`${i + 1}: ${line.trim()}`] : []));
}

const KINDS = [...new Set([...sinkKinds(), ...sourceKinds()].map((k) => k.kind))];

test('the check sees a kind comparison in each form, and not a kind name used otherwise', () => {
  assert.ok(KINDS.includes('mysql') && KINDS.includes('kafka'), KINDS.join(', '));
  for (const line of ["if (kind === 'kafka') x();", "return 'mysql' !== p.kind;", "  case 'postgres': return 1;", 'a == "elasticsearch"'])
    assert.equal(kindComparisons(line, KINDS).length, 1, line);
  for (const line of ["kind: z.literal('mysql'),", "const title = 'Kafka';", "x === 'kafka-source'", "// if (kind === 'kafka')"]) assert.deepEqual(kindComparisons(line, KINDS), [], line);
});

test('shared/ and the renderer outside endpoints/ compare no kind names (they ask the descriptors)', () => {
  const scanned = [
    ...files(join(ROOT, 'shared'), () => false),
    ...files(join(ROOT, 'renderer/src'), (p) => p.startsWith('renderer/src/endpoints') || p.includes('__tests__') || /\.test\.tsx?$/.test(p)),
  ];
  assert.ok(scanned.some((f) => f.endsWith('shared/wizard.ts')) && scanned.some((f) => f.endsWith('shared/profiles.ts')), 'the scan reads shared/');
  const found: string[] = [];
  for (const f of scanned) {
    const rel = relative(ROOT, f);
    const hits = kindComparisons(readFileSync(f, 'utf8'), KINDS);
    if (EXCEPTIONS.has(rel)) assert.ok(hits.length, `${rel} is listed as an exception but compares no kind name any more: remove it from EXCEPTIONS`);
    else found.push(...hits.map((h) => `${rel}:${h}`));
  }
  assert.deepEqual(found, [], `kind names compared outside the driver folders (ask a capability of the descriptors instead):\n${found.join('\n')}`);
});
