// The problems that block going on, at the top of a form: focus moves here each time they are shown
// (`focusKey` changes), and each problem is a button that moves the focus to its field.
import { useEffect, useRef } from 'react';
import { focusField, type FieldError } from './field-errors';

export interface ErrorSummaryProps {
  errors: readonly FieldError[];
  /** Changes on each attempt (Next, Save…): the summary takes the focus again. */
  focusKey: number;
  testId: string;
  /** Go to a field that is not on screen (e.g. on another wizard step); default: focus it. */
  onSelect?(field: string): void;
  title?: string;
}

export function ErrorSummary({ errors, focusKey, testId, onSelect, title }: ErrorSummaryProps) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (errors.length) ref.current?.focus();
    // Only a new attempt moves the focus, not every change of the list.
  }, [focusKey]);
  if (!errors.length) return null;
  return (
    <div ref={ref} className="error-summary" role="alert" tabIndex={-1} data-testid={testId}>
      <h2 className="error-summary-title">{title ?? (errors.length === 1 ? 'Fix this problem to go on:' : `Fix these ${errors.length} problems to go on:`)}</h2>
      <ul className="error-summary-list">
        {errors.map((e, i) => (
          <li key={`${e.field}:${i}`}>
            <button type="button" className="link-btn" onClick={() => (onSelect ? onSelect(e.field) : focusField(e.field))}>
              {e.message}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
