// A whole-number field of the draft: what is typed goes into the draft as a number (NaN while it is not
// one), so validation can name the problem; the draft is saved once it is a whole number again.
import { Field } from '../../components/Field';

export interface NumberFieldProps {
  name: string;
  label: string;
  value: number;
  onChange(n: number): void;
  error: string | undefined;
  hint?: string;
  min?: number;
  max?: number;
}

export function NumberField({ name, label, value, onChange, error, hint, min = 0, max }: NumberFieldProps) {
  return (
    <Field name={name} label={label} error={error} hint={hint}>
      {(p) => (
        <input
          {...p}
          type="number"
          inputMode="numeric"
          step={1}
          min={min}
          max={max}
          value={Number.isFinite(value) ? String(value) : ''}
          onChange={(e) => onChange(e.target.value.trim() === '' ? Number.NaN : Number(e.target.value))}
        />
      )}
    </Field>
  );
}
