// The checks of a step that need a server: a passing connection test of the chosen source (Source) and
// sink (Sink), and the source's EXPLAIN of each row filter (Mapping). Results are kept per profile and
// per filter text, so Next re-asks only what changed, and the errors they found stay next to the field
// until it changes.
import { useCallback, useState } from 'react';
import type { CutoverApi } from '../../../../shared/api';
import type { ConnectionTestResult, ProfileSummary } from '../../../../shared/profiles';
import type { FieldError, WizardDraft, WizardStep } from '../../../../shared/wizard';
import { STAGE_LABELS } from '../connections/profile-form-model';

export type Role = 'source' | 'sink';

export interface TestRecord {
  profile: string;
  result: ConnectionTestResult;
}

export interface FilterRecord {
  where: string;
  error: string | null;
}

export interface Checks {
  tests: Partial<Record<Role, TestRecord>>;
  filters: Record<string, FilterRecord>;
}

export function testFailureMessage(r: ConnectionTestResult): string {
  const stage = r.stage ? ` at the ${STAGE_LABELS[r.stage].toLowerCase()} stage` : '';
  return `The connection test failed${stage}: ${r.message}${r.fix ? ` What to do: ${r.fix}` : ''}`;
}

/** The row filters Next sends to the source: those of selected tables, not empty. */
export function filtersToCheck(d: WizardDraft): [string, string][] {
  const selected = new Set(d.tables.selected);
  return Object.entries(d.mapping.where).filter(([t, w]) => selected.has(t) && w.trim() !== '');
}

/** What the checks already found wrong in this step's current values. */
export function knownServerErrors(step: WizardStep, d: WizardDraft, checks: Checks): FieldError[] {
  const out: FieldError[] = [];
  const role = step === 'source' || step === 'sink' ? step : null;
  if (role) {
    const t = checks.tests[role];
    if (t && t.profile === d[role].profile && !t.result.ok) out.push({ field: `${role}.profile`, message: testFailureMessage(t.result) });
  }
  if (step === 'mapping' || step === 'review') {
    for (const [table, where] of filtersToCheck(d)) {
      const f = checks.filters[table];
      if (f && f.where === where && f.error) out.push({ field: `mapping.where.${table}`, message: `The source refused the row filter of ${table}: ${f.error}` });
    }
  }
  return out;
}

export function useServerChecks(api: CutoverApi, profiles: readonly ProfileSummary[] | undefined) {
  const [checks, setChecks] = useState<Checks>({ tests: {}, filters: {} });
  const [testing, setTesting] = useState<Role | null>(null);

  const runTest = useCallback(
    async (role: Role, name: string): Promise<ConnectionTestResult> => {
      const summary = profiles?.find((p) => p.profile.name === name);
      if (!summary) throw new Error(`There is no saved connection named "${name}".`);
      setTesting(role);
      try {
        const result = await api.call('testProfile', { profile: summary.profile, secrets: {} });
        setChecks((c) => ({ ...c, tests: { ...c.tests, [role]: { profile: name, result } } }));
        return result;
      } finally {
        setTesting(null);
      }
    },
    [api, profiles],
  );

  const checkFilter = useCallback(
    async (source: string, table: string, where: string): Promise<string | null> => {
      const { error } = await api.call('checkFilter', source, table, where);
      setChecks((c) => ({ ...c, filters: { ...c.filters, [table]: { where, error } } }));
      return error;
    },
    [api],
  );

  /** The connection changed (edited inline): its last test no longer says anything. */
  const forgetTest = useCallback((role: Role) => setChecks((c) => ({ ...c, tests: { ...c.tests, [role]: undefined } })), []);

  /** Runs what Next needs for the step (re-using earlier answers); the errors found. */
  const verifyStep = useCallback(
    async (step: WizardStep, d: WizardDraft): Promise<FieldError[]> => {
      if (step === 'source' || step === 'sink') {
        const name = d[step].profile;
        if (!name) return [];
        const known = checks.tests[step];
        const result = known?.profile === name && known.result.ok ? known.result : await runTest(step, name);
        return result.ok ? [] : [{ field: `${step}.profile`, message: testFailureMessage(result) }];
      }
      if (step === 'mapping' && d.source.profile) {
        const source = d.source.profile;
        const answers = await Promise.all(
          filtersToCheck(d).map(async ([table, where]) => {
            const known = checks.filters[table];
            const error = known && known.where === where ? known.error : await checkFilter(source, table, where);
            return error ? { field: `mapping.where.${table}`, message: `The source refused the row filter of ${table}: ${error}` } : null;
          }),
        );
        return answers.filter((e): e is FieldError => e !== null);
      }
      return [];
    },
    [checks, runTest, checkFilter],
  );

  return { checks, testing, runTest, checkFilter, forgetTest, verifyStep };
}

export type ServerChecks = ReturnType<typeof useServerChecks>;
