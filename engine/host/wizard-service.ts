// The wizard's side of the engine host: the draft, and everything the wizard asks of the source (its
// preflight, its catalog, row filter checks, a sample Kafka message, a timed sample for the estimate),
// the job file it exports, and creating the job. Each call opens its own source session through the saved
// profile (and its SSH tunnel) and closes it before answering.
import { CutoverError } from '../../shared/errors.js';
import { parseJobConfig } from '../../shared/job-config.js';
import type { PreflightReport } from '../../shared/preflight.js';
import type { ProfileSummary } from '../../shared/profiles.js';
import { draftToJobFile, sinkKind, sinkOptionsOf, validateStep, type CatalogTable, type JobExport, type KafkaSample, type WizardContext, type WizardDraft, type WizardEstimate } from '../../shared/wizard.js';
import { runPreflight } from '../pipeline/preflight.js';
import { loadSource } from '../source/registry.js';
import { sinkKinds } from '../sink/registry.js';
import type { SourceSession } from '../source/driver.js';
import type { StateStore } from '../state/store.js';
import { DraftStore, type TextCipher } from '../wizard/draft-store.js';
import { estimateCopy } from '../wizard/estimate.js';
import { sampleMessage } from '../wizard/sample-message.js';
import { mappingPreview } from '../wizard/mapping-preview.js';
import type { MappingPreview } from '../../shared/mapping-preview.js';

/** What the wizard needs from the saved connections (engine/connections). */
export interface WizardConnections {
  list(): ProfileSummary[];
  /** A URL that reaches the profile's server (through its tunnel, open until close()). */
  openMysql(profile: string): Promise<{ url: string; close(): Promise<void> }>;
  /** The job file's endpoint for a profile: by name, or for another machine with secrets from environment variables. */
  endpoint(profile: string, how: 'profile' | 'env', role: 'source' | 'sink'): { fragment: Record<string, unknown>; env: { name: string; holds: string }[] };
}

export interface WizardServiceOptions {
  store: StateStore;
  cipher: TextCipher;
  connections: WizardConnections;
  /** Adds the job (as the host's openJob does) and starts it. */
  addAndStart(jobFileText: string): Promise<{ name: string }>;
}

export class WizardService {
  private readonly drafts: DraftStore;

  constructor(private readonly o: WizardServiceOptions) {
    this.drafts = new DraftStore(o.store, o.cipher);
  }

  getDraft(): WizardDraft | null {
    return this.drafts.get();
  }

  saveDraft(d: WizardDraft): void {
    this.drafts.save(d);
  }

  discardDraft(): void {
    this.drafts.discard();
  }

  async preflight(d: WizardDraft): Promise<PreflightReport> {
    const profile = this.sourceProfile(d);
    return this.withSource(profile, (url) => runPreflight({ sourceUrl: url, streaming: d.options.mode !== 'snapshot' }));
  }

  async catalog(profile: string): Promise<CatalogTable[]> {
    return this.withSession(profile, (session) => session.catalog());
  }

  async checkFilter(profile: string, table: string, where: string): Promise<{ error: string | null }> {
    const dot = table.indexOf('.');
    if (dot < 1) throw new CutoverError(`"${table}" is not a "db.table" name.`, undefined, 'BAD_REQUEST');
    return this.withSession(profile, async (session) => {
      const info = await session.readTable({ db: table.slice(0, dot), table: table.slice(dot + 1) });
      if (!info.columns.length) return { error: `The source has no table ${table}.` };
      const error = await session.validateFilter({ stateId: 0, source: info, sink: info, columns: info.columns, keyColumns: [], where });
      return { error };
    });
  }

  /** The draft's sink kind, for a preview of one of its selected tables. */
  private previewKind(d: WizardDraft, table: string): string {
    if (!d.tables.selected.includes(table)) throw new CutoverError(`${table} is not one of the selected tables.`, 'Choose a selected table.', 'BAD_REQUEST');
    const kind = sinkKind(d, this.context(null));
    if (!kind) throw new CutoverError('Choose the sink first.', undefined, 'BAD_REQUEST');
    return kind;
  }

  async sampleMessage(d: WizardDraft, table: string): Promise<KafkaSample> {
    const kind = this.previewKind(d, table);
    return this.withData(this.sourceProfile(d), (session) => sampleMessage(session, d, table, kind));
  }

  /** The sink's types for one selected table, with a few source rows as they would land (sinks with typed tables). */
  async mappingPreview(d: WizardDraft, table: string): Promise<MappingPreview> {
    const kind = this.previewKind(d, table);
    return this.withData(this.sourceProfile(d), (session) => mappingPreview(session, d, table, kind, sinkOptionsOf(d, kind)));
  }

  async estimate(d: WizardDraft): Promise<WizardEstimate> {
    const profile = this.sourceProfile(d);
    return this.withData(profile, async (session) => {
      const catalog = await session.catalog();
      const selected = new Set(d.tables.selected);
      const tables = catalog.filter((t) => selected.has(`${t.db}.${t.table}`));
      return estimateCopy(session, { tables, excludeColumns: d.mapping.excludeColumns, where: d.mapping.where, parallelism: d.options.parallelism, maxRowsPerSecond: d.options.maxRowsPerSecond });
    });
  }

  exportJob(d: WizardDraft, how: 'profile' | 'env', statePath: string): JobExport {
    const kind = sinkKind(d, this.context(null));
    if (!d.source.profile || !d.sink.profile || !kind) throw new CutoverError('Choose the source and the sink first.', undefined, 'BAD_REQUEST');
    const source = this.o.connections.endpoint(d.source.profile, how, 'source');
    const sink = this.o.connections.endpoint(d.sink.profile, how, 'sink');
    const job = draftToJobFile(d, { source: source.fragment, sink: sink.fragment }, kind);
    const json = JSON.stringify(job, null, 2) + '\n';
    const fileName = `${d.options.name || 'cutover-job'}.json`;
    const env = [...source.env, ...sink.env];
    const quote = (s: string): string => (/^[\w./:@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
    const command =
      how === 'profile'
        ? `cutover run ${quote(fileName)} --state ${quote(statePath)}`
        : `${env.map((e) => `${e.name}=… `).join('')}cutover run ${quote(fileName)}`;
    return { json, fileName, command, env };
  }

  /** Validates the whole draft against the real profiles, source catalog and jobs, then adds and starts the job. */
  async createJob(d: WizardDraft, jobNames: string[]): Promise<{ name: string }> {
    const profile = this.sourceProfile(d);
    const catalog = await this.catalog(profile);
    const ctx = this.context(catalog, jobNames);
    const problems = validateStep('review', d, ctx);
    if (problems.length) throw new CutoverError(`The migration is not ready:\n${problems.map((p) => `  ${p.field}: ${p.message}`).join('\n')}`, 'Go back to the steps named and correct them.', 'CONFIG');
    for (const [table, where] of Object.entries(d.mapping.where)) {
      if (!d.tables.selected.includes(table) || !where.trim()) continue;
      const { error } = await this.checkFilter(profile, table, where);
      if (error) throw new CutoverError(`The row filter of ${table} is not valid on the source: ${error}`, 'Correct it in the Mapping step.', 'CONFIG');
    }
    const { json } = this.exportJob(d, 'profile', '');
    parseJobConfig(JSON.parse(json), 'migration');
    const created = await this.o.addAndStart(json);
    this.drafts.discard();
    return created;
  }

  context(catalog: CatalogTable[] | null, jobNames: string[] = []): WizardContext {
    return { profiles: this.o.connections.list(), catalog, jobNames, sinkKinds: sinkKinds() };
  }

  private sourceProfile(d: WizardDraft): string {
    if (!d.source.profile) throw new CutoverError('Choose the source connection first.', undefined, 'BAD_REQUEST');
    return d.source.profile;
  }

  private async withSource<T>(profile: string, f: (url: string) => Promise<T>): Promise<T> {
    const { url, close } = await this.o.connections.openMysql(profile);
    try {
      return await f(url);
    } finally {
      await close();
    }
  }

  /** A session on the profile's source; a wizard's source profile is a MySQL/MariaDB server (a source without a type). */
  private async openSession(url: string, data: boolean): Promise<SourceSession> {
    const driver = await loadSource({ source: {} });
    return driver.openSession(driver.address(url), { data });
  }

  private withSession<T>(profile: string, f: (session: SourceSession) => Promise<T>): Promise<T> {
    return this.withSource(profile, async (url) => {
      const session = await this.openSession(url, false);
      try {
        return await f(session);
      } finally {
        await session.close().catch(() => undefined);
      }
    });
  }

  /** A data session, read like the copy's; destroyed afterwards (a timed sample may leave rows unread). */
  private withData<T>(profile: string, f: (session: SourceSession) => Promise<T>): Promise<T> {
    return this.withSource(profile, async (url) => {
      const session = await this.openSession(url, true);
      try {
        return await f(session);
      } finally {
        if (session.destroy) session.destroy();
        else await session.close().catch(() => undefined);
      }
    });
  }
}
