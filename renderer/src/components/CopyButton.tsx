// Copies text to the clipboard (navigator.clipboard, else a selected hidden textarea and the copy
// command) and says whether it worked; when neither works it says how to copy by hand.
import { useEffect, useState } from 'react';
import { Button } from './Button';

export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* denied or unavailable: try the old way */
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'visually-hidden';
  document.body.appendChild(area);
  try {
    area.select();
    return typeof document.execCommand === 'function' && document.execCommand('copy');
  } catch {
    return false;
  } finally {
    area.remove();
  }
}

export function CopyButton({ text, label = 'Copy', what, testId }: { text: string; label?: string; what: string; testId?: string }) {
  const [result, setResult] = useState<'copied' | 'failed' | null>(null);
  useEffect(() => {
    if (result !== 'copied') return;
    const t = setTimeout(() => setResult(null), 2500);
    return () => clearTimeout(t);
  }, [result]);
  return (
    <span className="copy">
      <Button className="copy-btn" onClick={() => void copyText(text).then((ok) => setResult(ok ? 'copied' : 'failed'))} aria-label={`${label} ${what}`} data-testid={testId}>
        {label}
      </Button>
      <span className={`small copy-status${result === 'failed' ? ' text-warn' : ' muted'}`} role="status">
        {result === 'copied' ? 'Copied' : result === 'failed' ? 'Copying is blocked here: select the text and press Ctrl+C (⌘C).' : ''}
      </span>
    </span>
  );
}

/** A block of code (SQL, JSON, a command) with a Copy button. */
export function CodeBlock({ code, what, testId, copyTestId }: { code: string; what: string; testId?: string; copyTestId?: string }) {
  return (
    <div className="code-block">
      <pre className="sql" tabIndex={0} aria-label={what} data-testid={testId}>
        {code}
      </pre>
      <CopyButton text={code} what={what} testId={copyTestId} />
    </div>
  );
}
