#!/usr/bin/env node
// `npm run bench -- NAME [options]`: run one benchmark. Each benchmark lives in scripts/bench/NAME.mjs
// and exports `main(argv) → Promise<exit code>` and a one-line `summary`.
const BENCHES = {
  copy: () => import('./bench/copy.mjs'),
  apply: () => import('./bench/apply.mjs'),
  kafka: () => import('./bench/kafka.mjs'),
  'kafka-stream': () => import('./bench/kafka-stream.mjs'),
  'kafka-clients': () => import('./bench/kafka-clients.mjs'),
  postgres: () => import('./bench/postgres.mjs'),
  consume: () => import('./bench/consume.mjs'),
  search: () => import('./bench/search.mjs'),
  'search-stream': () => import('./bench/search-stream.mjs'),
};

function usage(stream) {
  stream.write('Usage: npm run bench -- NAME [options]   (NAME --help for its options)\n\nBenchmarks:\n');
  return Promise.all(Object.entries(BENCHES).map(async ([name, load]) => [name, (await load()).summary ?? ''])).then((rows) => {
    for (const [name, summary] of rows) stream.write(`  ${name.padEnd(13)} ${summary}\n`);
  });
}

// A closed pipe (`… | head`) must not crash the run before it stops its servers.
process.stdout.on('error', () => {});
const [name, ...rest] = process.argv.slice(2);
if (!name || name === '--help' || name === '-h' || name === 'help') {
  await usage(process.stdout);
  process.exit(name ? 0 : 1);
}
const load = BENCHES[name];
if (!load) {
  process.stderr.write(`Unknown benchmark "${name}".\n\n`);
  await usage(process.stderr);
  process.exit(1);
}
try {
  process.exitCode = await (await load()).main(rest);
} catch (e) {
  console.error(`bench ${name}: ${e?.stack ?? e}`);
  process.exitCode = 1;
}
