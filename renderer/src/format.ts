// Number, rate, duration, size and time formatting used across the dashboard (en-US, tabular-friendly).

const numberFormats = new Map<number, Intl.NumberFormat>();

function numberFormat(digits: number): Intl.NumberFormat {
  let f = numberFormats.get(digits);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
    numberFormats.set(digits, f);
  }
  return f;
}

/** 1234567.8 → "1,234,568"; with digits: formatNumber(1234.5, 1) → "1,234.5". Non-finite → "—". */
export function formatNumber(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return '—';
  const d = Math.max(0, Math.min(20, Math.floor(digits)));
  const s = numberFormat(d).format(n);
  // Avoid "-0" for tiny negative values rounded to zero.
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** "12,345 rows/s"; rates under 10 keep one decimal ("2.5 events/s"). */
export function formatRate(n: number, unit: string): string {
  if (!Number.isFinite(n)) return `— ${unit}`;
  const digits = Math.abs(n) < 10 && n !== Math.trunc(n) ? 1 : 0;
  return `${formatNumber(n, digits)} ${unit}`;
}

/** "1h 05m", "3m 20s", "45s", "2d 03h"; "—" for null, negative or non-finite. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '—';
  const total = Math.round(seconds);
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3_600);
  const m = Math.floor((total % 3_600) / 60);
  const s = total % 60;
  const pad = (v: number) => String(v).padStart(2, '0');
  if (d > 0) return `${d}d ${pad(h)}h`;
  if (h > 0) return `${h}h ${pad(m)}m`;
  if (m > 0) return `${m}m ${pad(s)}s`;
  return `${s}s`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** 1536 → "1.5 KiB", 10 → "10 B", 5 GiB → "5.0 GiB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const neg = n < 0;
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  const text = i === 0 ? `${formatNumber(v)} B` : `${formatNumber(v, v >= 100 ? 0 : 1)} ${BYTE_UNITS[i]}`;
  return neg ? `-${text}` : text;
}

const pad2 = (v: number) => String(v).padStart(2, '0');

/** Local date-time with seconds: "2026-11-22 09:40:05". */
export function formatTime(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ` +
    `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`
  );
}

/** "2026-11-22 08:40:05 UTC". */
export function formatUtc(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} UTC`
  );
}

/** part/whole as "42%" (one decimal under 10%: "2.5%"), clamped to 0–100; "—" when whole ≤ 0. */
export function formatPercent(part: number, whole: number): string {
  if (!Number.isFinite(part) || !Number.isFinite(whole) || whole <= 0) return '—';
  const p = Math.max(0, Math.min(100, (part / whole) * 100));
  // Never show 100% before it is really complete.
  if (p >= 99.5 && part < whole) return '99%';
  return p > 0 && p < 10 ? `${formatNumber(Math.floor(p * 10) / 10, 1)}%` : `${formatNumber(Math.floor(p))}%`;
}

/** "1 row", "2 rows", "1,234 rows"; an irregular plural as `plural` ("1 copy", "3 copies"). */
export function formatCount(n: number, singular: string, plural = `${singular}s`): string {
  return `${formatNumber(n)} ${n === 1 ? singular : plural}`;
}

/** Stream lag as the cards and the charts both show it: "0.0 s", "0.9 s", "12 s", then "3m 20s". */
export function formatLag(seconds: number): string {
  return seconds < 60 ? `${formatNumber(seconds, seconds < 10 ? 1 : 0)} s` : formatDuration(seconds);
}
