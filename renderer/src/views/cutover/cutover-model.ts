// Pure helpers of the cutover assistant: naming the source for the read-only confirmation (never with
// its password), whether to poll, and how far the checklist is.
import type { CutoverState, CutoverStep } from '../../../../shared/cutover';

/** "user@host:port" from a mysql:// URL, without the password; null when it is not one. */
export function urlWithoutPassword(url: string): string | null {
  const m = /^(?:mysql|mariadb):\/\/(?:([^:@/]*)(?::[^@/]*)?@)?([^/?#]+)/.exec(url);
  if (!m) return null;
  return `${m[1] ? `${decodeURIComponent(m[1])}@` : ''}${m[2]}`;
}

/** The source a job file names: its saved connection, or the server of its URL; null when unreadable. */
export function describeSource(jobFileText: string): string | null {
  try {
    const job = JSON.parse(jobFileText) as { source?: { profile?: unknown; url?: unknown } };
    const s = job.source;
    if (typeof s?.profile === 'string') return `the saved connection "${s.profile}"`;
    if (typeof s?.url === 'string') return urlWithoutPassword(s.url);
  } catch {
    /* not JSON */
  }
  return null;
}

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
