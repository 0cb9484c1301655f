// A labelled form control with its hint and its error: the control gets the id, aria-invalid and
// aria-describedby (hint and error), and `data-testid="field-<key>"`; the error says what is wrong.
import type { ReactElement, ReactNode } from 'react';
import { fieldDomId } from './field-errors';

export interface ControlProps {
  id: string;
  'aria-invalid': boolean | undefined;
  'aria-describedby': string | undefined;
  'data-testid': string;
}

export interface FieldProps {
  /** The field's key, as validation names it ("options.name", "host"). */
  name: string;
  label: ReactNode;
  error?: string | null | undefined;
  hint?: ReactNode;
  /** A checkbox: the control comes before its label, on one line. */
  inline?: boolean;
  className?: string;
  children(props: ControlProps): ReactElement;
}

export function controlProps(name: string, error: string | null | undefined, hint: boolean): ControlProps {
  const id = fieldDomId(name);
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  return { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': described || undefined, 'data-testid': `field-${name}` };
}

export function Field({ name, label, error, hint, inline = false, className, children }: FieldProps) {
  const props = controlProps(name, error, hint !== undefined && hint !== null);
  const cls = ['field', inline ? 'field-inline' : '', error ? 'field-invalid' : '', className ?? ''].filter(Boolean).join(' ');
  const labelEl = (
    <label htmlFor={props.id} className="field-label">
      {label}
    </label>
  );
  return (
    <div className={cls}>
      {inline ? (
        <span className="field-row">
          {children(props)}
          {labelEl}
        </span>
      ) : (
        <>
          {labelEl}
          {children(props)}
        </>
      )}
      {hint !== undefined && hint !== null && (
        <p id={`${props.id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
      <FieldErrorText id={`${props.id}-error`} name={name} error={error} />
    </div>
  );
}

export function FieldErrorText({ id, name, error }: { id: string; name: string; error: string | null | undefined }) {
  if (!error) return null;
  return (
    <p id={id} className="field-error" data-testid={`field-error-${name}`}>
      <span aria-hidden="true">⚠ </span>
      {error}
    </p>
  );
}

export interface Choice<T extends string> {
  value: T;
  label: ReactNode;
  /** One sentence explaining the choice. */
  description?: ReactNode;
}

/** A radio group in a fieldset: `field-<key>` on the group, `field-<key>-<value>` on each radio. */
export function ChoiceField<T extends string>({
  name,
  legend,
  value,
  choices,
  onChange,
  error,
}: {
  name: string;
  legend: ReactNode;
  value: T;
  choices: readonly Choice<T>[];
  onChange(value: T): void;
  error?: string | null | undefined;
}) {
  const id = fieldDomId(name);
  return (
    <fieldset id={id} className={`field choice-field${error ? ' field-invalid' : ''}`} data-testid={`field-${name}`} aria-describedby={error ? `${id}-error` : undefined}>
      <legend className="field-label">{legend}</legend>
      {choices.map((c) => (
        <label key={c.value} className="choice">
          <input type="radio" name={id} value={c.value} checked={value === c.value} onChange={() => onChange(c.value)} data-testid={`field-${name}-${c.value}`} />
          <span className="choice-text">
            <span className="choice-label">{c.label}</span>
            {c.description && <span className="choice-description">{c.description}</span>}
          </span>
        </label>
      ))}
      <FieldErrorText id={`${id}-error`} name={name} error={error} />
    </fieldset>
  );
}
