// The preflight report: what `cutover check`, `cutover run` and the wizard's Preflight step show. Each item
// is pass / warn / fail with the SQL or setting that fixes it (engine/pipeline/preflight.ts makes it).

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckItem {
  id: string;
  side: 'source' | 'sink';
  title: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
  tables?: string[];
}

export interface PreflightReport {
  ok: boolean;
  source: { url: string; flavor?: string; version?: string };
  sink?: { url: string; flavor?: string; version?: string };
  items: CheckItem[];
}
