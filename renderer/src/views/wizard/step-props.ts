// What every wizard step gets: the API, the draft and how to change it, the field errors to show, and
// what validation knows besides the draft (profiles, the source catalog, existing job names).
import type { CutoverApi } from '../../../../shared/api';
import type { WizardContext, WizardDraft } from '../../../../shared/wizard';

export interface StepProps {
  api: CutoverApi;
  draft: WizardDraft;
  update(fn: (d: WizardDraft) => WizardDraft): void;
  errors: ReadonlyMap<string, string>;
  ctx: WizardContext;
}
