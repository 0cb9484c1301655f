// Pure helpers of the cutover assistant: whether to poll, and how far the checklist is.
import type { CutoverState, CutoverStep } from '../../../../shared/cutover';

export const anyRunning = (s: CutoverState | null | undefined): boolean => !!s?.steps.some((x) => x.state === 'running');

/** Which step to do next: the first that is neither done nor skipped. */
export function nextStep(s: CutoverState): CutoverStep | null {
  return s.steps.find((x) => x.state !== 'done' && x.state !== 'skipped') ?? null;
}

/** "3 of 6 steps done" (skipped steps count as settled). */
export function progressText(s: CutoverState): string {
  const settled = s.steps.filter((x) => x.state === 'done' || x.state === 'skipped').length;
  return `${settled} of ${s.steps.length} steps done`;
}

/** How each recorded fact is named on screen, and how its value reads (unit, yes/no). */
const FACTS: Record<string, { label: string; unit?: string }> = {
  thresholdSeconds: { label: 'Lag threshold', unit: 's' },
  lagSeconds: { label: 'Lag when checked', unit: 's' },
  applied: { label: 'Applied position (sink)' },
  writtenAt: { label: 'Fence written at' },
  position: { label: 'Fence position (source)' },
  gtid: { label: 'Fence GTID' },
  appliedPosition: { label: 'Applied position when the fence arrived' },
  waitedSeconds: { label: 'Waited for the sink', unit: 's' },
  verificationId: { label: 'Verification' },
  tables: { label: 'Tables compared' },
  matched: { label: 'Tables that match' },
  mismatched: { label: 'Tables that differ' },
  rows: { label: 'Rows on the source' },
  previous: { label: 'read_only before' },
  readOnly: { label: 'read_only now' },
  created: { label: 'Objects created' },
  existing: { label: 'Objects already there' },
  failed: { label: 'Objects that failed' },
  format: { label: 'Format' },
  lines: { label: 'Report lines' },
};

/** "thresholdSeconds" → "Threshold seconds" for a fact this list does not know yet. */
function words(key: string): string {
  const s = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A step's fact as a label and a value in words: ("Lag threshold", "5 s"), ("Verification", "#12"). */
export function factText(key: string, value: string | number | boolean | null): { label: string; value: string } {
  const f = FACTS[key];
  const label = f?.label ?? words(key);
  if (value === null) return { label, value: '—' };
  if (typeof value === 'boolean') return { label, value: value ? 'yes' : 'no' };
  if (key === 'verificationId') return { label, value: `#${value}` };
  if (typeof value === 'number') {
    const n = Number.isInteger(value) ? value.toLocaleString('en-US') : value.toLocaleString('en-US', { maximumFractionDigits: 1 });
    return { label, value: f?.unit ? `${n} ${f.unit}` : n };
  }
  return { label, value: f?.unit ? `${value} ${f.unit}` : value };
}
