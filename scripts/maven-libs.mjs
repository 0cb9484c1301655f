// Jars from Maven Central into a cache folder shared by every clone and run. The first call runs Maven
// (copy-dependencies of a POM, quietly) into a temporary folder, writes the marker `.complete` (the POM's
// hash) and renames it into place, so an interrupted or concurrent fetch never leaves a half-filled folder
// that looks complete; later calls only read the marker. Used for the Kafka broker (kafka-broker.mjs) and
// for Kafka Connect with Debezium (kafka-connect-jars.mjs).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { run } from './run-command.mjs';

/** The folder caches live in: ${XDG_CACHE_HOME:-~/.cache}/cutover. */
export function cutoverCacheBase() {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cutover');
}

/** A POM's hash (16 hex digits): a cache made from another version of the POM is not complete. */
export function pomStamp(/** @type {string} */ pom) {
  return createHash('sha256').update(readFileSync(pom)).digest('hex').slice(0, 16);
}

/**
 * Makes sure the runtime dependencies of `pom` are in `<dir>/libs` and returns that folder.
 * @param {{
 *   pom: string,
 *   dir: string,
 *   what: string,
 *   expect: string[],
 *   requireTools: () => void,
 *   fetchingLine: (libs: string) => string,
 *   log?: (line: string) => void,
 * }} o `what` names the jars in the error; `expect` are file name starts that must be among the
 * fetched jars; `requireTools` throws when Java or Maven is missing; `log` gets `fetchingLine` once
 * when a fetch actually runs (stderr by default).
 * @returns {Promise<string>}
 */
export async function fetchMavenLibs({ pom, dir, what, expect, requireTools, fetchingLine, log = (l) => console.error(l) }) {
  const stamp = pomStamp(pom);
  const libs = join(dir, 'libs');
  const complete = () => {
    try {
      return readFileSync(join(libs, '.complete'), 'utf8').trim() === stamp;
    } catch {
      return false;
    }
  };
  if (complete()) return libs;
  requireTools();
  log(fetchingLine(libs));
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `libs.partial-${process.pid}-${Date.now()}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    await run(
      'mvn',
      ['-B', '-q', '-f', pom, 'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`],
      { timeoutMs: 20 * 60_000 },
    );
    const jars = existsSync(tmp) ? readdirSync(tmp) : [];
    for (const want of expect) {
      if (!jars.some((j) => j.startsWith(want))) throw new Error(`Maven finished but ${want}* is not among the ${jars.length} fetched jars`);
    }
    writeFileSync(join(tmp, '.complete'), `${stamp}\n`);
    if (complete()) return libs; // another process finished first
    rmSync(libs, { recursive: true, force: true });
    try {
      renameSync(tmp, libs);
    } catch (e) {
      if (!complete()) throw e;
    }
    return libs;
  } catch (e) {
    throw new Error(`Could not fetch ${what} with Maven (${pom}): ${/** @type {Error} */ (e).message}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
