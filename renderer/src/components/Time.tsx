// A timestamp: local time on screen, the exact local and UTC time on hover (title) and for screen readers.
import { useEffect, useState } from 'react';
import { formatTime, formatUtc } from '../format';

/** "just now", "12 s ago", "5 min ago", "3 h ago", "2 d ago" (future times: "in 5 s"). */
export function formatRelative(ms: number, now: number): string {
  const diff = Math.round((now - ms) / 1000);
  const abs = Math.abs(diff);
  let text: string;
  if (abs < 5) return 'just now';
  if (abs < 60) text = `${abs} s`;
  else if (abs < 3600) text = `${Math.floor(abs / 60)} min`;
  else if (abs < 86_400) text = `${Math.floor(abs / 3600)} h`;
  else text = `${Math.floor(abs / 86_400)} d`;
  return diff >= 0 ? `${text} ago` : `in ${text}`;
}

/** The current time, re-rendering every `intervalMs`. */
export function useNow(intervalMs = 5000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}

export function Time({ ms, relative = false, className }: { ms: number | null; relative?: boolean; className?: string }) {
  const now = useNow(relative ? 5000 : 3_600_000);
  if (ms === null || !Number.isFinite(ms) || ms <= 0) return <span className={className}>—</span>;
  const local = formatTime(ms);
  const utc = formatUtc(ms);
  return (
    <time className={className} dateTime={new Date(ms).toISOString()} title={`${local} local\n${utc}`}>
      {relative ? formatRelative(ms, now) : local}
    </time>
  );
}
