// Renders the wizard on a fake API with a saved-draft store, two MySQL profiles and a Kafka one, a
// small catalog, passing tests and checks (each overridable).
import { expect } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { WizardDraft } from '../../../../../shared/wizard';
import { fakeApi } from '../../__tests__/fake-api';
import { catalogTable, checkItem, kafkaProfile, mysqlProfile, preflightReport, profileSummary } from '../../__tests__/fixtures';
import { WizardView } from '../WizardView';

export const profiles = [profileSummary(mysqlProfile('src')), profileSummary(mysqlProfile('dst')), profileSummary(kafkaProfile('bus'))];
export const catalog = [
  catalogTable('shop', 'orders', { estimatedRows: 5000 }),
  catalogTable('shop', 'users', { estimatedRows: 200 }),
  catalogTable('shop', 'log', { keyColumns: [], estimatedRows: 10 }),
  catalogTable('crm', 'leads', { estimatedRows: 30 }),
];

type Handlers = Parameters<typeof fakeApi>[0];

export function setupWizard(over: Handlers = {}, draft: WizardDraft | null = null) {
  const store = { draft };
  const fake = fakeApi({
    getDraft: () => store.draft,
    saveDraft: (d) => void (store.draft = d),
    discardDraft: () => void (store.draft = null),
    listProfiles: () => profiles,
    listJobs: () => [],
    testProfile: () => ({ ok: true, message: 'Connected to MariaDB 10.11.9', server: { flavor: 'mariadb', version: '10.11.9' } }),
    wizardPreflight: () => preflightReport([checkItem('binlog_format', 'pass'), checkItem('gtid', 'warn', { fix: 'SET GLOBAL gtid_strict_mode = ON;' })]),
    sourceCatalog: () => catalog,
    checkFilter: () => ({ error: null }),
    ...over,
  });
  const view = render(<WizardView api={fake.api} saveDelayMs={5} />);
  return { fake, store, view };
}

export const field = (name: string) => screen.getByTestId(`field-${name}`) as HTMLInputElement;
export const change = (name: string, value: string) => fireEvent.change(field(name), { target: { value } });
export const stepShown = (step: string) => screen.findByTestId(`wizard-panel-${step}`);
export const next = () => fireEvent.click(screen.getByTestId('wizard-next'));
export const back = () => fireEvent.click(screen.getByTestId('wizard-back'));

/** Waits for the draft to be loaded and (on the Source step) the profiles listed. */
export async function ready(): Promise<void> {
  await screen.findByTestId('wizard');
  await waitFor(() => expect((field('source.profile') as unknown as HTMLSelectElement).options.length).toBeGreaterThan(1));
}
