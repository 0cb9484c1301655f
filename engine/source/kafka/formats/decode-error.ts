// The error of a message that cannot be decoded (decode.ts re-exports it).
import { CutoverError } from '../../../../shared/errors.js';

export type DecodeErrorCode = 'malformed' | 'unknown-table' | 'unknown-column' | 'bad-value' | 'unsupported';

/** A message that cannot be decoded: what is wrong and the fix; no topic/offset (the driver adds those). */
export class DecodeError extends CutoverError {
  constructor(
    message: string,
    fix: string,
    readonly reason: DecodeErrorCode,
    readonly table: string | null = null,
    readonly column: string | null = null,
  ) {
    super(message, fix, 'KAFKA_DECODE');
    this.name = 'DecodeError';
  }
}

