// The copy alongside the stream, as the Kafka stream target sees it (the `orderedCopy` capability,
// engine/core/chunk-gate.ts): chunks wait in the gate until the stream publishes the transactions before
// their snapshot position; a keyless table's changes are held back until its one chunk is published (the
// chunk holds them); a table whose copy may still publish chunks has its changes marked 'pending'. A chunk
// taken for publishing goes back to the gate (its keyless table held again) when the publishing fails.
import { ChunkGate, type ChunkSubmission } from '../../core/chunk-gate.js';
import type { SourcePosition } from '../../core/position.js';
import type { ChunkPayload } from '../sink.js';
import type { KafkaBatch } from './kafka-writer.js';
import type { OutRecord } from './record-sender.js';

export class StreamChunks {
  readonly gate = new ChunkGate<ChunkPayload>();
  /** Keyless tables whose copy is not published yet: their changes are in the chunk to come. */
  readonly held = new Set<string>();
  /** Tables whose copy may still publish chunks (OrderedCopy.copying): their changes are marked 'pending'. */
  readonly copying = new Map<string, () => boolean>();
  /** Chunks taken for publishing whose table was held: held again if publishing fails. */
  private readonly unheld = new Map<ChunkSubmission<ChunkPayload>, string>();

  /**
   * Takes the chunks read before `end` (at or before it, `inclusive`) into `chunks` and their records into
   * `out`; a keyless table's changes after its chunk are published from here on.
   */
  take(end: SourcePosition, inclusive: boolean, chunks: ChunkSubmission<ChunkPayload>[], out: OutRecord[]): void {
    for (const s of this.gate.take(end, inclusive)) {
      chunks.push(s);
      for (const b of s.payload.batches) for (const r of (b as KafkaBatch).records) out.push(r);
      if (this.held.delete(s.payload.table)) this.unheld.set(s, s.payload.table);
    }
  }

  /** Tables whose copy is complete leave `copying`: their changes are published unmarked from now on. */
  forgetCopied(): void {
    for (const [name, complete] of this.copying) if (complete()) this.copying.delete(name);
  }

  /** The chunks are published (with the position): durable, then resolved. */
  published(chunks: ChunkSubmission<ChunkPayload>[]): void {
    for (const s of chunks) {
      s.onDurable();
      this.unheld.delete(s);
    }
    for (const s of chunks) s.resolve();
  }

  /** Chunks taken for publishing that were not published: back to the gate (their keyless tables held again). */
  restore(chunks: ChunkSubmission<ChunkPayload>[]): void {
    for (const s of chunks) {
      const t = this.unheld.get(s);
      if (t) this.held.add(t);
      this.unheld.delete(s);
    }
    this.gate.restore(chunks);
  }
}
