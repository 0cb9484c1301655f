// A job or table state as a colored badge that also says it in words (never color alone).
const TONES: Record<string, string> = {
  running: 'info',
  copying: 'info',
  streaming: 'info',
  paused: 'warn',
  interrupted: 'warn',
  stopped: 'neutral',
  idle: 'neutral',
  pending: 'neutral',
  failed: 'error',
  done: 'ok',
  // the cutover stopped its stream for good at the fence
  switched: 'ok',
  // verification and the cutover checklist
  pass: 'ok',
  match: 'ok',
  created: 'ok',
  exists: 'ok',
  fail: 'error',
  mismatch: 'error',
  error: 'error',
  skipped: 'neutral',
  dropped: 'neutral',
  undone: 'warn',
};

const SYMBOLS: Record<string, string> = { info: '●', warn: '❚❚', neutral: '○', error: '✕', ok: '✓' };

export function stateTone(state: string): string {
  return TONES[state] ?? 'neutral';
}

export function StateBadge({ state, testId }: { state: string; testId?: string }) {
  const tone = stateTone(state);
  return (
    <span className={`badge badge-${tone}`} data-testid={testId} data-state={state}>
      <span className="badge-symbol" aria-hidden="true">
        {SYMBOLS[tone]}
      </span>
      {state}
    </span>
  );
}
