// The migration wizard (#/new): Source → Preflight → Tables → Sink → Mapping → Options → Review → Run.
// Next validates the step (shared/wizard.ts validateStep, then the step's server checks) and shows the
// problems beside their fields and in a summary that takes the focus; Back keeps everything. The draft is
// saved as it changes and continued on the next visit, even after a restart.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { CutoverApi } from '../../../../shared/api';
import { firstInvalidStep, validateStep, WIZARD_STEPS, type WizardContext, type WizardStep } from '../../../../shared/wizard';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { ErrorSummary } from '../../components/ErrorSummary';
import { errorMap, focusField } from '../../components/field-errors';
import { useAction } from '../../components/useAction';
import { useLoad } from '../../components/useLoad';
import { navigateToJob } from '../route';
import { SinkStep, SourceStep } from './EndpointSteps';
import { MappingStep } from './MappingStep';
import { OptionsStep } from './OptionsStep';
import { PreflightStep } from './PreflightStep';
import { ReviewStep } from './ReviewStep';
import { Stepper } from './Stepper';
import { TablesStep } from './TablesStep';
import { useDraft, type DraftStore } from './useDraft';
import { knownServerErrors, useServerChecks } from './useServerChecks';
import { stepMarks, stepOfField } from './wizard-model';
import './wizard.css';
import { useSinkKinds } from '../../sink-kinds';

export interface WizardViewProps {
  api: CutoverApi;
  /** Delay between the last change and saving the draft (ms). */
  saveDelayMs?: number;
}

const TABLES_INDEX = WIZARD_STEPS.indexOf('tables');

export function WizardView({ api, saveDelayMs }: WizardViewProps) {
  const profiles = useLoad('profiles', () => api.call('listProfiles'));
  const jobs = useLoad('jobs', () => api.call('listJobs'));
  const jobNames = useMemo(() => jobs.data?.map((j) => j.name) ?? [], [jobs.data]);
  const store = useDraft(api, { saveDelayMs, jobNames });
  const draft = store.draft;
  const checks = useServerChecks(api, profiles.data);
  // The steps ask the sink's capabilities (rename, existing rows…): known before the first step shows.
  const sinkKinds = useSinkKinds(api);
  const action = useAction();
  const [attempted, setAttempted] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const [pendingFocus, setPendingFocus] = useState<string | null>(null);
  const [confirmDiscard, setConfirmDiscard] = useState(false);
  const bodyRef = useRef<HTMLDivElement>(null);

  // The catalog is read once the Tables step is reached, and again when the source changes.
  const stepIndex = draft ? WIZARD_STEPS.indexOf(draft.step) : 0;
  const [wantCatalog, setWantCatalog] = useState(false);
  if (!wantCatalog && stepIndex >= TABLES_INDEX) setWantCatalog(true);
  const catalogKey = wantCatalog && draft?.source.profile ? draft.source.profile : null;
  const catalog = useLoad(catalogKey, () => api.call('sourceCatalog', catalogKey ?? ''));

  const ctx: WizardContext = useMemo(() => ({ profiles: profiles.data ?? [], catalog: catalog.data ?? null, jobNames, sinkKinds: sinkKinds.list ?? [] }), [profiles.data, catalog.data, jobNames, sinkKinds.list]);

  // A new step: its content takes the focus (skipped on first display).
  const shownStep = useRef<WizardStep | null>(null);
  useEffect(() => {
    if (!draft) return;
    if (shownStep.current !== null && shownStep.current !== draft.step && !pendingFocus) bodyRef.current?.focus();
    shownStep.current = draft.step;
  }, [draft?.step, pendingFocus]);
  useEffect(() => {
    if (pendingFocus && focusField(pendingFocus)) setPendingFocus(null);
  });

  if (!draft || !sinkKinds.settled) {
    return (
      <section className="view" aria-labelledby="wizard-title">
        <h1 id="wizard-title" className="job-title">
          New migration
        </h1>
        <p className="muted" role="status">
          Loading the draft…
        </p>
      </section>
    );
  }

  const step = draft.step;
  const errors = attempted ? [...validateStep(step, draft, ctx), ...knownServerErrors(step, draft, checks.checks)] : [];
  const errorsByField = errorMap(errors);
  const marks = stepMarks(draft, ctx, errors);
  const firstInvalid = firstInvalidStep(draft, ctx);

  const goTo = (s: WizardStep) => {
    store.update((d) => ({ ...d, step: s }));
    store.flush();
  };
  const refuse = () => {
    setAttempted(true);
    setAttempt((a) => a + 1);
  };
  const next = async () => {
    if (validateStep(step, draft, ctx).length) return refuse();
    const found = await action.run('next', () => checks.verifyStep(step, draft));
    if (found === undefined) return;
    if (found.length) return refuse();
    setAttempted(false);
    goTo(WIZARD_STEPS[stepIndex + 1] ?? step);
  };
  const back = () => {
    setAttempted(false);
    goTo(WIZARD_STEPS[stepIndex - 1] ?? step);
  };
  const start = async () => {
    if (validateStep('review', draft, ctx).length || knownServerErrors('review', draft, checks.checks).length) return refuse();
    const created = await action.run('create', () => api.call('createJob', draft));
    if (!created) return;
    store.forget();
    navigateToJob(created.name);
  };
  const selectError = (field: string) => {
    const s = stepOfField(field);
    if (s === step) focusField(field);
    else {
      setPendingFocus(field);
      goTo(s);
    }
  };
  const common = { api, draft, update: store.update, errors: errorsByField, ctx };

  return (
    <section className="wizard view" aria-labelledby="wizard-title" data-testid="wizard">
      <div className="view-header">
        <h1 id="wizard-title" className="job-title">
          {store.resumed ? 'Continue migration draft' : 'New migration'}
        </h1>
        <SaveStatus store={store} />
        <span className="header-spacer" />
        <Button variant="quiet" onClick={() => setConfirmDiscard(true)} busy={action.busy === 'discard'} data-testid="btn-discard-draft">
          Discard draft
        </Button>
      </div>
      <ErrorBanner error={store.loadError} title="The saved draft could not be loaded; this is a new one" />
      <Stepper
        marks={marks}
        current={step}
        reachable={(s) => WIZARD_STEPS.indexOf(s) < stepIndex || firstInvalid === null || WIZARD_STEPS.indexOf(s) <= WIZARD_STEPS.indexOf(firstInvalid)}
        onSelect={(s) => {
          if (s === step) return;
          setAttempted(false);
          goTo(s);
        }}
      />
      <ErrorSummary errors={errors} focusKey={attempt} testId="wizard-errors" onSelect={selectError} />
      <ErrorBanner error={action.error} onDismiss={action.clearError} />

      <div className="wizard-body" ref={bodyRef} tabIndex={-1} aria-label={`Step ${stepIndex + 1} of ${WIZARD_STEPS.length}`}>
        {step === 'source' && <SourceStep {...common} profiles={profiles.data} checks={checks} onProfileSaved={profiles.reload} />}
        {step === 'preflight' && <PreflightStep {...common} />}
        {step === 'tables' && <TablesStep {...common} catalog={catalog} />}
        {step === 'sink' && <SinkStep {...common} profiles={profiles.data} checks={checks} onProfileSaved={profiles.reload} />}
        {step === 'mapping' && <MappingStep {...common} checks={checks} />}
        {step === 'options' && <OptionsStep {...common} />}
        {step === 'review' && <ReviewStep {...common} />}
      </div>
      <ErrorBanner error={profiles.error} title="Cannot list the saved connections" />

      <div className="wizard-nav">
        <Button onClick={back} disabled={stepIndex === 0 || action.busy !== null} data-testid="wizard-back">
          Back
        </Button>
        <span className="header-spacer" />
        {step === 'review' ? (
          <Button variant="primary" onClick={() => void start()} busy={action.busy === 'create'} disabled={action.busy !== null} data-testid="btn-start-migration">
            Start migration
          </Button>
        ) : (
          <Button variant="primary" onClick={() => void next()} busy={action.busy === 'next'} disabled={action.busy !== null} data-testid="wizard-next">
            Next
          </Button>
        )}
      </div>

      {confirmDiscard && (
        <ConfirmDialog
          title="Discard this migration draft?"
          confirmLabel="Discard the draft"
          danger
          onCancel={() => setConfirmDiscard(false)}
          onConfirm={() => {
            setConfirmDiscard(false);
            setAttempted(false);
            void action.run('discard', store.discard);
          }}
        >
          <p>Everything entered in the wizard is forgotten. Saved connections stay.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function SaveStatus({ store }: { store: DraftStore }) {
  const text =
    store.saveState === 'saving' || store.saveState === 'pending'
      ? 'Saving the draft…'
      : store.saveState === 'saved'
        ? 'Draft saved'
        : store.saveState === 'error'
          ? `The draft is not saved: ${store.saveError?.message ?? 'unknown error'}`
          : store.resumed
            ? 'Continuing the saved draft'
            : 'Saved as you go';
  return (
    <span className={`small ${store.saveState === 'error' ? 'text-warn' : 'muted'}`} role="status" data-testid="draft-status" data-state={store.saveState}>
      {text}
    </span>
  );
}
