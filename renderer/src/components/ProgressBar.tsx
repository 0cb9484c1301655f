// A determinate (value/max) or indeterminate progress bar with an accessible name.
export function ProgressBar({ value, max, label, className }: { value?: number | null; max?: number; label: string; className?: string }) {
  const indeterminate = value === undefined || value === null || !max || max <= 0;
  const pct = indeterminate ? 0 : Math.max(0, Math.min(100, (value / max) * 100));
  return (
    <div
      className={['progress', indeterminate ? 'progress-indeterminate' : '', className ?? ''].filter(Boolean).join(' ')}
      role="progressbar"
      aria-label={label}
      aria-valuemin={indeterminate ? undefined : 0}
      aria-valuemax={indeterminate ? undefined : 100}
      aria-valuenow={indeterminate ? undefined : Math.floor(pct)}
    >
      <div className="progress-fill" style={indeterminate ? undefined : { width: `${pct}%` }} />
    </div>
  );
}
