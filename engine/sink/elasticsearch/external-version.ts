// The external version every search write carries, from the source position of the change it writes, so
// the cluster itself keeps the newest state of each document: a write whose version is not greater than
// the document's (or its delete tombstone's) is refused with a version conflict, which Cutover counts as
// "already applied". Writes use `version_type=external` (strictly greater wins): a replay of the very
// change that wrote a document (equal version) is then refused too, which is what "already applied" means;
// `external_gte` would let it write again, and would let two different states with one version (a copy
// row and a change at the same position) overwrite each other.
//
// A binlog position orders changes: the file's sequence number (mysql-bin.000042 → 42), then the byte
// offset. The version is the position of the END of the change's source transaction:
//
//   version = sequence × 2^32 + offset        (sequence < 2^31, offset < 2^32: at most 2^63 − 1)
//
// which is a signed 64-bit long, the type Elasticsearch and OpenSearch keep versions in. It is built with
// BigInt and sent as its decimal digits (never through a JavaScript number, which rounds above 2^53).
// Within one batch the stream target writes only the last state of each document (stream-actions.ts), so
// two writes of one document never share a transaction's version; the row index within the transaction is
// therefore not needed, and the whole 63 bits go to the position (MySQL's own limits: sequence numbers up
// to 2^31 − 1, offsets up to 4 GiB). A position beyond them is refused, never wrapped.
//
// Copied rows carry the version of the copy's start position (the stream replays every change after it,
// each with a greater version, so those win; replays of changes at or before it lose).
import { CutoverError } from '../../../shared/errors.js';
import { formatPosition, type SourcePosition } from '../../core/position.js';

const TWO_32 = 1n << 32n;
const MAX_SEQUENCE = (1n << 31n) - 1n;

/** The external version of a source position, as decimal digits (a signed 64-bit long). */
export function externalVersion(p: SourcePosition): string {
  const m = /\.(\d+)$/.exec(p.file);
  const seq = m ? BigInt(m[1]!) : -1n;
  const off = BigInt(p.pos);
  if (seq < 0n || seq > MAX_SEQUENCE || off < 0n || off >= TWO_32)
    throw new CutoverError(
      `The source position ${formatPosition(p)} does not fit a search document's version (binlog file sequence up to ${MAX_SEQUENCE}, offset below 4 GiB).`,
      'The source\'s binlog numbering is beyond what MySQL itself writes; start the job again from a new copy (--resnapshot) after rotating the binlog (FLUSH BINARY LOGS).',
      'SINK',
    );
  return (seq * TWO_32 + off).toString();
}

/** The position a version came from (for messages and tests): "sequence:offset". */
export function versionParts(version: string): { sequence: bigint; offset: bigint } {
  const v = BigInt(version);
  return { sequence: v / TWO_32, offset: v % TWO_32 };
}
