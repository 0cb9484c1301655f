// Hash routing: "#/jobs/<name>" selects a job (so a job view can be linked and reloaded).
import { useEffect, useState } from 'react';

export function parseJobHash(hash: string): string | null {
  const m = /^#\/jobs\/(.+)$/.exec(hash);
  if (!m?.[1]) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return null;
  }
}

export function jobHash(name: string): string {
  return `#/jobs/${encodeURIComponent(name)}`;
}

export function navigateToJob(name: string): void {
  window.location.hash = jobHash(name);
}

export function useHashJob(): string | null {
  const [job, setJob] = useState(() => parseJobHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setJob(parseJobHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return job;
}
