// A labelled control in a widget's toolbar (styles/controls.css): the label's text, then the control.
import type { ReactNode } from 'react';

export function ToolbarField({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="toolbar-field">
      <span>{label}</span>
      {children}
    </label>
  );
}

export interface SearchFieldProps {
  label: string;
  value: string;
  placeholder: string;
  onChange(value: string): void;
  /** The id of the element whose content the search narrows (aria-controls). */
  controls: string;
}

/** A search box in a widget's toolbar. */
export function SearchField({ label, value, placeholder, onChange, controls }: SearchFieldProps) {
  return (
    <ToolbarField label={label}>
      <input type="search" value={value} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} aria-controls={controls} />
    </ToolbarField>
  );
}
