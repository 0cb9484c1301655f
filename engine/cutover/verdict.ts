// A finished verification as a checklist step reads it: pass or not, in one sentence, with the fix.
import type { VerifyReport } from '../../shared/verify.js';

export function verdictOf(v: VerifyReport): { pass: boolean; detail: string; fix: string | null } {
  const s = v.summary;
  const pass = v.state === 'pass';
  return {
    pass,
    detail: pass
      ? `All ${s.tables} table(s) match (${s.rowsSource.toLocaleString('en-US')} rows).`
      : v.error
        ? v.error.message
        : `${s.mismatched} table(s) differ, ${s.mismatchedRows} row(s); ${s.errors} table(s) could not be compared.`,
    fix: pass ? null : (v.error?.fix ?? 'Repair the rows from the job view, then run this step again.'),
  };
}
