// The jars of Kafka Connect and Debezium's connectors, fetched from Maven Central (scripts/kafka-connect/pom.xml:
// Connect 4.1.1's connect-runtime and connect-json, Debezium 3.5.0.Final's debezium-connector-mariadb,
// debezium-storage-file and debezium-connector-jdbc) into a cache shared by every clone and run,
// ${XDG_CACHE_HOME:-~/.cache}/cutover/kafka-connect-<pom hash>/libs. The worker that runs them is
// scripts/kafka-connect.mjs (which also re-exports these and is the `fetch` command).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireJava } from './kafka-broker.mjs';
import { cutoverCacheBase, fetchMavenLibs, pomStamp } from './maven-libs.mjs';

const POM = join(dirname(fileURLToPath(import.meta.url)), 'kafka-connect', 'pom.xml');

/** The cache folder of the Connect + Debezium jars (its name carries the POM's hash). */
export function connectCacheDir() {
  const stamp = pomStamp(POM);
  return { dir: join(cutoverCacheBase(), `kafka-connect-${stamp}`), stamp };
}

/**
 * Makes sure the Connect and Debezium jars are in the cache and returns their folder (maven-libs.mjs,
 * as for the broker).
 * @param {{ log?: (line: string) => void }} [o]
 * @returns {Promise<string>}
 */
export function fetchConnectJars({ log } = {}) {
  return fetchMavenLibs({
    pom: POM,
    dir: connectCacheDir().dir,
    what: 'Kafka Connect and Debezium',
    expect: ['connect-runtime-', 'connect-json-', 'debezium-connector-mariadb-', 'debezium-storage-file-', 'debezium-connector-jdbc-'],
    requireTools: () => requireJava({ maven: true }),
    fetchingLine: (libs) => `kafka-connect: fetching Kafka Connect and Debezium from Maven Central into ${libs} (first run only)`,
    log,
  });
}
