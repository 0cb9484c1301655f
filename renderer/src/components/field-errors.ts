// Field-level errors ({ field, message }, as shared/wizard.ts FieldError): where each field is in the DOM,
// the first message per field, and moving the keyboard focus to a field from an error summary.
import type { FieldError } from '../../../shared/wizard';

export type { FieldError };

/** A DOM id for a field key ("mapping.where.shop.orders"): every character outside [A-Za-z0-9_-] escaped. */
export function fieldDomId(key: string): string {
  return `f-${key.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.codePointAt(0)!.toString(16)}_`)}`;
}

/** The first message of each field. */
export function errorMap(errors: readonly FieldError[]): ReadonlyMap<string, string> {
  const m = new Map<string, string>();
  for (const e of errors) if (!m.has(e.field)) m.set(e.field, e.message);
  return m;
}

/** Focuses a field's control (or the first control inside a group); false when it is not on screen. */
export function focusField(key: string): boolean {
  const el = document.getElementById(fieldDomId(key));
  if (!el) return false;
  const target = el.matches('input, select, textarea, button') ? el : el.querySelector<HTMLElement>('input, select, textarea, button');
  (target ?? el).focus();
  return true;
}
