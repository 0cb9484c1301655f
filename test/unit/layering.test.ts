// The engine's layering (README, "Architecture"), checked on the sources: the import specifiers of every
// .ts/.tsx file under engine/, shared/, renderer/src/ and electron/, resolved to repository paths.
// - a source folder and a sink folder never import each other, and no driver folder imports the flows
//   (beyond short listed exceptions, ratchets like the one below); drivers may use engine/compare, the
//   comparison toolkit verifiers are built from;
// - engine/core imports nothing in engine/ outside core, engine/mysql only core;
// - engine's top-level folders form no import cycle beyond the back edges listed here;
// - the generic parts import no specific source/<kind> or sink/<kind> module, except the imports listed
//   in KNOWN_DRIVER_IMPORTS (today's, to be removed as the driver registries take them over): a new one
//   fails, and so does a listed one that no longer exists, so the list only shrinks and stays true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the test');
    dir = up;
  }
  return dir;
}

const ROOT = projectRoot();
const SCANNED = ['engine', 'shared', 'renderer/src', 'electron'];

/** One import: the importing file and the imported module, both as repository paths ("engine/core/rows.ts"). */
interface Import {
  from: string;
  to: string;
}

const toRepoPath = (abs: string): string => relative(ROOT, abs).split(sep).join('/');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The file a relative specifier names ("./x.js" is x.ts or x.tsx, a folder its index); null when none exists. */
function resolveSpecifier(file: string, spec: string): string | null {
  const base = resolve(dirname(file), spec);
  const stem = base.replace(/\.(js|jsx|mjs)$/, '');
  for (const candidate of [base, `${stem}.ts`, `${stem}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** Static imports and re-exports, dynamic import() and import('…') types: TypeScript's own pre-parser finds them all. */
function importsOf(file: string): Import[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const out: Import[] = [];
  for (const { fileName } of importedFiles) {
    if (!fileName.startsWith('.')) continue; // packages and node: built-ins
    const target = resolveSpecifier(file, fileName);
    if (target) out.push({ from: toRepoPath(file), to: toRepoPath(target) });
  }
  return out;
}

const IMPORTS: Import[] = SCANNED.flatMap((d) => sourceFiles(join(ROOT, d))).flatMap(importsOf);
const show = (i: Import): string => `${i.from} -> ${i.to}`;

/** "source/mysql", "sink/kafka": the driver folder a path is in, or null. */
function driverOf(path: string): string | null {
  const m = /^engine\/(source|sink)\/([^/]+)\//.exec(path);
  return m ? `${m[1]}/${m[2]}` : null;
}

/** engine's top-level folder of a path ("pipeline", "sink"), or null outside engine/ or for a file right in it. */
function engineFolder(path: string): string | null {
  const m = /^engine\/([^/]+)\//.exec(path);
  return m ? m[1]! : null;
}

test('the scan sees the engine: files and their imports are found', () => {
  const files = new Set(IMPORTS.map((i) => i.from));
  assert.ok(files.size > 150, `only ${files.size} importing files found under ${SCANNED.join(', ')}`);
  assert.ok(
    IMPORTS.some((i) => i.from === 'engine/sink/sink.ts' && i.to === 'engine/core/tables.ts'),
    'engine/sink/sink.ts -> engine/core/tables.ts not found: the import scan is broken',
  );
});

/**
 * Exceptions, each "importing file -> imported module": none. A sink's verifier and repair read the source
 * side of a comparison through the source driver's sessions they are handed (SinkVerifierContext,
 * RepairOptions). Only remove lines.
 */
const KNOWN_SOURCE_READS_BY_SINKS: string[] = [];

/** A ratchet over `found`: nothing beyond `known`, and every listed line still true. */
function ratchet(found: string[], known: string[], what: string): void {
  assert.deepEqual(found.filter((e) => !known.includes(e)).sort(), [], what);
  assert.deepEqual(known.filter((e) => !found.includes(e)), [], 'listed exceptions that no longer exist: remove them from the list');
}

test('a source folder and a sink folder never import each other (beyond the listed exceptions)', () => {
  const bad = IMPORTS.filter((i) => {
    const a = driverOf(i.from);
    const b = driverOf(i.to);
    return a && b && a.split('/')[0] !== b.split('/')[0];
  });
  ratchet([...new Set(bad.map(show))], KNOWN_SOURCE_READS_BY_SINKS, 'source and sink drivers import each other (share through engine/core or engine/mysql instead)');
});

test('a sink folder never imports another sink folder, nor a source folder another source folder', () => {
  const bad = IMPORTS.filter((i) => {
    const a = driverOf(i.from);
    const b = driverOf(i.to);
    return a && b && a !== b && a.split('/')[0] === b.split('/')[0];
  });
  assert.deepEqual([...new Set(bad.map(show))], [], 'drivers of one side import each other: move what they share to engine/core (or engine/mysql for the MySQL client)');
});

const FLOWS = ['pipeline', 'verify', 'host', 'cutover', 'wizard', 'cli', 'server', 'demo'];

/** Today's exception: the MySQL sink's DDL handling still lives in the stream's DDL module. Only remove lines. */
const KNOWN_FLOW_IMPORTS_BY_DRIVERS = ['engine/sink/mysql/mysql-stream-target.ts -> engine/pipeline/stream-ddl.ts'];

test('a driver folder imports none of the flows that use drivers (pipeline, verify, host, …) beyond the listed exceptions', () => {
  const bad = IMPORTS.filter((i) => driverOf(i.from) && FLOWS.includes(engineFolder(i.to) ?? ''));
  ratchet([...new Set(bad.map(show))], KNOWN_FLOW_IMPORTS_BY_DRIVERS, 'a driver imports a flow; move what it needs to engine/core or engine/compare');
});

test('engine/core imports nothing in engine/ outside core; engine/mysql imports only core', () => {
  const bad = IMPORTS.filter((i) => {
    const from = engineFolder(i.from);
    const to = i.to.startsWith('engine/') ? engineFolder(i.to) : 'outside engine';
    if (from === 'core') return to !== 'core' && to !== 'outside engine';
    if (from === 'mysql') return to !== 'core' && to !== 'mysql' && to !== 'outside engine';
    return false;
  });
  assert.deepEqual(bad.map(show), [], 'core or mysql imports a part of the engine it must not');
});

/**
 * Folder-level imports that close a cycle today, each "from -> to": host starts the CLI's processes and
 * hands them their job on standard input (host/job-processes.ts uses cli/job-file.ts's STDIN_JOB), while
 * the CLI's `ui` and `remove` commands use the host. And the MySQL sink's change sink handles DDL with
 * the stream's DDL policy module (pipeline/stream-ddl.ts: mapping, per-table policy, schema history),
 * which the PostgreSQL sink's DDL will share once that module is split into a neutral policy and each
 * sink's own statements.
 */
const ALLOWED_BACK_EDGES = ['host -> cli', 'sink -> pipeline'];

test("engine's top-level folders import each other without cycles (except the listed back edges)", () => {
  const example = new Map<string, string>(); // "a -> b" folder edge → one file import that makes it
  for (const i of IMPORTS) {
    const a = engineFolder(i.from);
    const b = engineFolder(i.to);
    if (a && b && a !== b && !example.has(`${a} -> ${b}`)) example.set(`${a} -> ${b}`, show(i));
  }
  for (const e of ALLOWED_BACK_EDGES) assert.ok(example.has(e), `the allowed back edge ${e} no longer exists: remove it from ALLOWED_BACK_EDGES`);
  const next = new Map<string, string[]>();
  for (const e of example.keys()) {
    if (ALLOWED_BACK_EDGES.includes(e)) continue;
    const [a, b] = e.split(' -> ') as [string, string];
    next.set(a, [...(next.get(a) ?? []), b]);
  }
  // Depth-first search; a folder met again on the current path closes a cycle.
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (f: string): string[] | null => {
    const at = path.indexOf(f);
    if (at >= 0) return [...path.slice(at), f];
    if (done.has(f)) return null;
    path.push(f);
    for (const g of next.get(f) ?? []) {
      const cycle = visit(g);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(f);
    return null;
  };
  for (const f of [...next.keys()].sort()) {
    const cycle = visit(f);
    if (cycle) {
      const edges = cycle.slice(1).map((g, k) => example.get(`${cycle[k]} -> ${g}`));
      assert.fail(`import cycle between engine folders ${cycle.join(' -> ')}:\n  ${edges.join('\n  ')}`);
    }
  }
});

/** The generic parts: they reach drivers only through sink/registry.ts and source/registry.ts. */
const GENERIC = /^(engine\/(pipeline|verify|compare|host|cutover|wizard|cli)\/|shared\/|renderer\/src\/)/;

/** Today's imports of specific drivers by the generic parts ("importing file -> imported module"). Only remove lines. */
const KNOWN_DRIVER_IMPORTS: string[] = [
];

test('the generic parts import no specific source/<kind> or sink/<kind> module beyond the known list (a ratchet)', () => {
  const found = new Set(IMPORTS.filter((i) => GENERIC.test(i.from) && driverOf(i.to)).map(show));
  const added = [...found].filter((e) => !KNOWN_DRIVER_IMPORTS.includes(e)).sort();
  const gone = KNOWN_DRIVER_IMPORTS.filter((e) => !found.has(e));
  assert.deepEqual(added, [], 'new imports of a specific driver by a generic part: go through sink/registry.ts or source/registry.ts (or engine/core)');
  assert.deepEqual(gone, [], 'listed driver imports that no longer exist: remove them from KNOWN_DRIVER_IMPORTS');
  assert.equal(new Set(KNOWN_DRIVER_IMPORTS).size, KNOWN_DRIVER_IMPORTS.length, 'KNOWN_DRIVER_IMPORTS lists an import twice');
});
