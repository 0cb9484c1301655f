// How far V8 lets the heap grow between full garbage collections in a `cutover` process.
//
// On a machine with memory to spare V8 lets the old generation grow to up to 4× what survived the last
// full collection before it collects again. A stream keeps its batches alive across many young-generation
// collections (the batch being applied, the next one being read), so their row changes are promoted and
// die in the old generation: on the 160,000-transaction apply benchmark ~40 MB survived each full
// collection while the old generation grew to ~180 MB of mostly dead rows, and that garbage was most of
// the process's 280–310 MB peak RSS. Growing by at most 2× what survived keeps the peak near 180 MB for
// the same work; the full collections come about twice as often and cost little next to the young
// generation's (measured in the README, "Memory of the stream"). The heap has no other cap: a job that
// needs more live memory still gets it.
import { setFlagsFromString } from 'node:v8';

/** V8's factor of heap growth after a full collection, as 1 + percent / 100 (V8 reads it at every collection). */
export const HEAP_GROWING_PERCENT = 100;

export function limitHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
