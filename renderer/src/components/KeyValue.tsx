// One label → value line of a description list (.kv-list / .kv in app.css).
import type { ReactNode } from 'react';

export function KeyValue({ label, children, tone, testId }: { label: ReactNode; children: ReactNode; tone?: 'warn' | undefined; testId?: string }) {
  return (
    <div className={`kv${tone ? ` kv-${tone}` : ''}`} data-testid={testId}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
