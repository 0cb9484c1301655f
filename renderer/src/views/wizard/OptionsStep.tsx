// The Options step: the job's name, mode, parallelism, chunk size, throttling and what to do with sink
// tables that already have rows — each choice explained in a sentence.
import type { WizardDraft } from '../../../../shared/wizard';
import { sinkKind } from '../../../../shared/wizard';
import { ChoiceField, Field } from '../../components/Field';
import { useSinkKinds } from '../../sink-kinds';
import { JOB_MODES } from './job-modes';
import { NumberField } from './NumberField';
import type { StepProps } from './step-props';

const ON_EXISTING: { value: WizardDraft['options']['onExisting']; label: string; description: string }[] = [
  { value: 'fail', label: 'Stop', description: 'If a sink table already has rows, the job stops before copying it. The safe choice.' },
  { value: 'truncate', label: 'Empty it first', description: 'Sink tables that already have rows are emptied (TRUNCATE), then copied.' },
  { value: 'append', label: 'Copy into it', description: 'Rows already on the sink stay; a copied row whose key is there already is left as the sink has it.' },
];

export function OptionsStep({ api, draft, update, errors, ctx }: StepProps) {
  const o = draft.options;
  // "When a sink table already has rows" applies to sinks with tables (capability existingRows).
  const existingRows = useSinkKinds(api).of(sinkKind(draft, ctx))?.capabilities.existingRows ?? true;
  const set = (patch: Partial<WizardDraft['options']>) => update((d) => ({ ...d, options: { ...d.options, ...patch } }));
  return (
    <section className="wizard-step stack" aria-labelledby="step-title" data-testid="wizard-panel-options">
      <h2 id="step-title" className="step-title">
        How should it run?
      </h2>
      <Field name="options.name" label="Job name" error={errors.get('options.name')} hint="Letters, digits, _ - and . — it names the job in the dashboard and the CLI.">
        {(p) => <input {...p} type="text" spellCheck={false} maxLength={100} value={o.name} onChange={(e) => set({ name: e.target.value })} />}
      </Field>
      <ChoiceField name="options.mode" legend="Mode" value={o.mode} onChange={(mode) => set({ mode })} choices={JOB_MODES} error={errors.get('options.mode')} />
      <div className="form-grid">
        <NumberField name="options.parallelism" label="Parallel workers" value={o.parallelism} onChange={(parallelism) => set({ parallelism })} error={errors.get('options.parallelism')} min={1} max={64} hint="Tables and chunks copied at once (1–64)." />
        <NumberField name="options.chunkRows" label="Chunk size (rows)" value={o.chunkRows} onChange={(chunkRows) => set({ chunkRows })} error={errors.get('options.chunkRows')} min={100} hint="Rows per key range; a chunk is the unit of resume." />
        <NumberField name="options.maxRowsPerSecond" label="Max rows per second" value={o.maxRowsPerSecond} onChange={(maxRowsPerSecond) => set({ maxRowsPerSecond })} error={errors.get('options.maxRowsPerSecond')} hint="0: no cap. Spares a busy source." />
        <NumberField name="options.maxThreadsRunning" label="Pause above Threads_running" value={o.maxThreadsRunning} onChange={(maxThreadsRunning) => set({ maxThreadsRunning })} error={errors.get('options.maxThreadsRunning')} hint="The copy waits while the source is this busy; 0: off." />
      </div>
      {existingRows && (
        <ChoiceField name="options.onExisting" legend="When a sink table already has rows" value={o.onExisting} onChange={(onExisting) => set({ onExisting })} choices={ON_EXISTING} />
      )}
    </section>
  );
}
