// The engine host's API for a guided migration: saved connections, the wizard, verification (runs as
// `cutover verify` processes, like jobs, reporting into the state file) and the cutover assistant.
// engine-host.ts mixes these handlers into its own.
import type { ApiMethods } from '../../shared/api.js';
import { CutoverError } from '../../shared/errors.js';
import { toJobFileEndpoint } from '../connections/job-file-endpoint.js';
import type { JobFile } from '../../shared/job-config.js';
import { parseJobText } from '../../shared/job-config.js';
import type { ProfileInput } from '../../shared/profiles.js';
import { runSummary } from '../../shared/verify.js';
import { testProfile } from '../connections/connection-test.js';
import { ProfileStore } from '../connections/profile-store.js';
import { JobSecrets } from '../connections/job-secrets.js';
import { resolveJob, resolveMysqlEndpoint, topicConnection } from '../connections/resolve.js';
import { sourceKind } from '../source/registry.js';
import type { TopicBrowser, TopicConnection } from '../source/driver.js';
import { SecretBox } from '../connections/secret-box.js';
import { CutoverAssistant } from '../cutover/assistant.js';
import { Rollback } from '../cutover/rollback.js';
import { verdictOf } from '../cutover/verdict.js';
import { sinkKind } from '../sink/registry.js';
import { repairUnavailable } from '../compare/repair-contract.js';
import type { JobRow, StateStore } from '../state/store.js';
import { VerifyStore } from '../state/verify-store.js';
import { effectiveState } from '../pipeline/job-status.js';
import { JobProcesses, type JobExit } from './job-processes.js';
import { WizardService } from './wizard-service.js';

export const MIGRATION_METHODS = [
  'listProfiles', 'saveProfile', 'deleteProfile', 'testProfile',
  'kafkaTopics', 'kafkaTopicSample',
  'getDraft', 'saveDraft', 'discardDraft', 'wizardPreflight', 'sourceCatalog', 'checkFilter', 'sampleMessage', 'mappingPreview', 'estimate', 'exportJob', 'createJob',
  'verify', 'verification', 'repair', 'verificationHistory',
  'cutoverState', 'cutoverRun', 'cutoverUndo', 'cutoverReport', 'cutoverKill',
  'rollbackState', 'rollbackRun', 'rollbackReport',
] as const;
type MigrationMethod = (typeof MIGRATION_METHODS)[number];

export type MigrationHandlers = { [M in MigrationMethod]: (...args: ApiMethods[M]['args']) => Promise<ApiMethods[M]['result']> | ApiMethods[M]['result'] };

export interface MigrationHost {
  store: StateStore;
  jobRow(name: string): JobRow;
  /** Adds (or replaces) a job from a job file's text, as the host's openJob does. */
  openJob(text: string, fileName?: string): { name: string };
  start(job: string): Promise<void>;
  /** Stops the job's process for the cutover (fence, drain, stop) and waits until it has exited. */
  stopForSwitch(job: string): Promise<void>;
  poke(): void;
}

/** How long `verify` waits for its process to record the run before it answers. */
const VERIFY_START_MS = 30_000;

export class MigrationApi {
  readonly profiles: ProfileStore;
  private readonly jobSecrets: JobSecrets;
  private readonly box: () => SecretBox;
  private readonly wizard: WizardService;
  private readonly verifications: VerifyStore;
  private readonly verifyProcs: JobProcesses;
  private readonly verifyExits = new Map<string, (e: JobExit) => void>();
  readonly assistant: CutoverAssistant;
  readonly rollback: Rollback;

  constructor(private readonly h: MigrationHost) {
    const store = h.store;
    let box: SecretBox | null = null;
    this.box = () => (box ??= SecretBox.forStatePath(store.path));
    this.profiles = new ProfileStore(store, this.box);
    this.jobSecrets = new JobSecrets(store, this.box);
    this.verifications = new VerifyStore(store);
    this.verifyProcs = new JobProcesses(store.path, (e) => this.onVerifyExit(e), 'verify');
    this.wizard = new WizardService({
      store,
      cipher: { encrypt: (s) => this.box().encrypt(s), decrypt: (s) => this.box().decrypt(s, 'The saved migration draft') },
      connections: {
        list: () => this.profiles.list(),
        openMysql: (profile) => resolveMysqlEndpoint({ profile }, 'source', { store }),
        endpoint: (name, how, role) => {
          const summary = this.profiles.summary(name);
          if (!summary) throw new CutoverError(`There is no saved connection named "${name}".`, 'Choose another connection.', 'NOT_FOUND');
          const prefix = `CUTOVER_${role.toUpperCase()}`;
          const fragment = toJobFileEndpoint(summary.profile, how, prefix, summary.has) as Record<string, unknown>;
          const env: { name: string; holds: string }[] = [];
          const what = `${role} (${summary.description})`;
          const walk = (o: Record<string, unknown>, holds: string): void => {
            for (const [k, v] of Object.entries(o)) {
              if (k === 'passwordEnv' && typeof v === 'string') env.push({ name: v, holds });
              else if (k === 'passphraseEnv' && typeof v === 'string') env.push({ name: v, holds: `the passphrase of the SSH key for the ${what}` });
              else if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, k === 'ssh' ? `the SSH password for the ${what}` : holds);
            }
          };
          walk(fragment, `the password for the ${what}`);
          return { fragment, env };
        },
      },
      addAndStart: async (text) => {
        const { name } = h.openJob(text, 'the migration wizard');
        await h.start(name);
        return { name };
      },
    });
    this.assistant = new CutoverAssistant({
      store,
      resolve: async (row) => resolveJob(this.jobFile(row), { store }),
      startVerification: (job) => this.startVerification(job, []),
      verification: (id) => this.verifications.get(id),
      latestVerification: (jobId) => this.verifications.latest(jobId),
      stopJob: async (job) => {
        await h.stopForSwitch(job);
        h.poke();
      },
      reverse: {
        jobFile: (row) => this.jobFile(row),
        addJob: (text) => h.openJob(text, 'the cutover switch'),
        startJob: (name) => h.start(name),
        isRunning: (name) => {
          const row = store.job(name);
          return !!row && effectiveState(row) === 'running';
        },
      },
    });
    this.rollback = new Rollback({
      store,
      resolve: async (row) => resolveJob(this.jobFile(row), { store }),
      verify: (job) => this.verifyToEnd(job),
      stopJob: async (job) => {
        await h.stopForSwitch(job);
        h.poke();
      },
    });
  }

  /** Runs a verification of the job to its end: its verdict. */
  private async verifyToEnd(job: string): Promise<ReturnType<typeof verdictOf> & { id: number }> {
    const { id } = await this.startVerification(job, []);
    for (;;) {
      const v = this.verifications.get(id);
      if (v && v.state !== 'running') return { id, ...verdictOf(v) };
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  readonly handlers: MigrationHandlers = {
    listProfiles: () => this.profiles.list(),
    saveProfile: (input) => {
      if (input.previousName && input.previousName !== input.profile.name) this.refuseIfUsed(input.previousName, 'renamed');
      const saved = this.profiles.save(input);
      this.h.poke();
      return saved;
    },
    deleteProfile: (name) => {
      this.refuseIfUsed(name, 'deleted');
      this.profiles.delete(name);
    },
    testProfile: async (input: ProfileInput) => {
      const { profile, secrets } = this.profiles.resolveInput(input);
      const result = await testProfile(profile, secrets);
      if (this.profiles.summary(input.previousName ?? profile.name) && (input.previousName ?? profile.name) === profile.name) this.profiles.recordTest(profile.name, result.ok);
      return result;
    },
    kafkaTopics: async (profile) => {
      const { browser, conn } = await this.topicsOf(profile);
      return browser.listTopics(conn);
    },
    kafkaTopicSample: async (profile, topic) => {
      const { browser, conn } = await this.topicsOf(profile);
      return browser.sampleTopic(conn, topic);
    },
    getDraft: () => this.wizard.getDraft(),
    saveDraft: (d) => this.wizard.saveDraft(d),
    discardDraft: () => this.wizard.discardDraft(),
    wizardPreflight: (d) => this.wizard.preflight(d),
    sourceCatalog: (profile) => this.wizard.catalog(profile),
    checkFilter: (profile, table, where) => this.wizard.checkFilter(profile, table, where),
    sampleMessage: (d, table) => this.wizard.sampleMessage(d, table),
    mappingPreview: (d, table) => this.wizard.mappingPreview(d, table),
    estimate: (d) => this.wizard.estimate(d),
    exportJob: (d, how) => this.wizard.exportJob(d, how, this.h.store.path),
    createJob: (d) => this.wizard.createJob(d, this.h.store.jobs().map((j) => j.name)),
    verify: (job, options) => this.startVerification(job, (options?.tables ?? []).flatMap((t) => ['--table', t])),
    verification: (job) => this.verifications.latest(this.h.jobRow(job).id),
    verificationHistory: (job) => this.verifications.list(this.h.jobRow(job).id, 20).map(runSummary),
    repair: (job, id) => {
      const v = this.verifications.get(id);
      if (!v || v.job !== job) throw new CutoverError(`Verification ${id} is not one of the job "${job}".`, 'Run a verification first.', 'NOT_FOUND');
      const kind = sinkKind(v.sinkType);
      if (!kind.capabilities.repair) throw repairUnavailable(kind);
      return this.startVerification(job, ['--repair-from', String(id)]);
    },
    cutoverState: (job) => this.assistant.view(job),
    cutoverKill: (job, sessions) => this.assistant.kill(job, sessions),
    cutoverRun: (job, step, options) => this.assistant.run(job, step, options),
    cutoverUndo: (job, step) => this.assistant.undo(job, step),
    cutoverReport: (job, format) => this.assistant.report(job, format),
    rollbackState: (job) => this.rollback.view(job),
    rollbackReport: (job, format) => this.rollback.report(job, format),
    rollbackRun: async (job, step, options) => this.rollback.start(job, step, options),
  };

  /** The topic browser of a saved connection's source kind, and where its topics are. */
  private async topicsOf(name: string): Promise<{ browser: TopicBrowser; conn: TopicConnection }> {
    const { profile, secrets } = this.profiles.get(name);
    const conn = topicConnection(profile, secrets);
    const browser = conn ? (await sourceKind(profile.kind).load()).topics : undefined;
    if (!conn || !browser) throw new CutoverError(`The connection "${name}" is a server, not a cluster of topics.`, 'Choose a Kafka connection.', 'BAD_REQUEST');
    return { browser, conn };
  }

  /** Stops the verifications this host runs (their runs are recorded as stopped). */
  async shutdown(): Promise<void> {
    await this.verifyProcs.stopAll(10_000);
  }

  /** The job file with the passwords its URLs had (job-secrets.ts), to connect with. */
  private jobFile(row: JobRow): JobFile {
    return parseJobText(this.jobSecrets.runnableText(row), `job "${row.name}"`);
  }

  /** Starts `cutover verify` for the job and answers once the run is recorded (or the process failed). */
  private async startVerification(job: string, flags: string[]): Promise<{ id: number }> {
    const row = this.h.jobRow(job);
    // A run that has just recorded its end may still be closing its connections: let it exit.
    if (this.verifyProcs.running(job) && !this.verifications.runningPid(row.id)) await this.verifyProcs.waitExit(job, 10_000);
    const running = this.verifications.runningPid(row.id);
    if (running || this.verifyProcs.running(job)) throw new CutoverError(`A verification of "${job}" is running.`, 'Wait for it to finish.', 'STATE');
    const before = this.verifications.latest(row.id)?.id ?? 0;
    const exited = new Promise<JobExit>((resolve) => this.verifyExits.set(job, resolve));
    this.verifyProcs.start(job, this.jobSecrets.runnableText(row), flags);
    this.h.poke();
    const deadline = Date.now() + VERIFY_START_MS;
    for (;;) {
      const latest = this.verifications.latest(row.id);
      if (latest && latest.id > before) return { id: latest.id };
      const exit = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 100))]);
      if (exit) {
        const after = this.verifications.latest(row.id);
        if (after && after.id > before) return { id: after.id };
        throw new CutoverError(exit.stderr.replace(/^cutover: /gm, '').trim() || `The verification ended with exit code ${exit.code}.`, null as unknown as undefined, 'VERIFY');
      }
      if (Date.now() > deadline) throw new CutoverError('The verification did not start within 30 s.', 'Look at the job’s log.', 'VERIFY');
    }
  }

  private onVerifyExit(e: JobExit): void {
    const waiter = this.verifyExits.get(e.job);
    this.verifyExits.delete(e.job);
    waiter?.(e);
    this.h.poke();
  }

  /** A profile named by a job's file cannot be renamed or deleted: the job would lose its connection. */
  private refuseIfUsed(name: string, what: string): void {
    const users = this.h.store.jobs().filter((j) => {
      const cfg = JSON.parse(j.config) as { source?: { profile?: string }; sink?: { profile?: string } };
      return cfg.source?.profile === name || cfg.sink?.profile === name;
    });
    if (users.length)
      throw new CutoverError(
        `The connection "${name}" cannot be ${what}: the job${users.length === 1 ? '' : 's'} ${users.map((j) => `"${j.name}"`).join(', ')} use${users.length === 1 ? 's' : ''} it.`,
        `Create a new connection instead, or remove ${users.length === 1 ? 'that job' : 'those jobs'} first (Remove in the job's view, or \`cutover remove JOB --state ${this.h.store.path}\`).`,
        'IN_USE',
      );
  }
}

