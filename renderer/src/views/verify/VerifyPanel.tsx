// The job's verification: Verify (every table), then state, times, source positions and per-table
// results with the differing row keys; Repair copies only those rows again (MySQL/MariaDB sinks).
import { useState } from 'react';
import { ApiError } from '../../../../shared/api';
import { coverageOf, keylessRepairBlock, type VerifyReport } from '../../../../shared/verify';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBanner } from '../../components/ErrorBanner';
import { KeyValue } from '../../components/KeyValue';
import { StateBadge } from '../../components/StateBadge';
import { Time } from '../../components/Time';
import { formatCount, formatNumber } from '../../format';
import type { Verification } from './useVerification';
import { VerifyHistory } from './VerifyHistory';
import { VerifyTable } from './VerifyTable';

export function VerifyPanel({ v, jobRunning = false }: { v: Verification; /** The job's process runs (a keyless table cannot be repaired then). */ jobRunning?: boolean }) {
  const { report, action } = v;
  const blocked = report ? (report.repair.available ? keylessRepairBlock(report, jobRunning) : (report.repair.note ?? 'Repair is not available for this sink.')) : null;
  const [confirming, setConfirming] = useState(false);
  const [showMatched, setShowMatched] = useState(false);
  const running = report?.state === 'running';
  const busy = action.busy !== null || running;

  return (
    <section className="panel stack-small" aria-labelledby="verify-title" data-testid="verify-panel">
      <div className="panel-head">
        <h2 id="verify-title" className="panel-title">
          Verification
        </h2>
        {report && <StateBadge state={report.state} testId="verify-state" />}
        <span className="header-spacer" />
        <Button onClick={v.verify} busy={action.busy === 'verify' || (running && action.busy === null)} disabled={busy} data-testid="btn-verify" title="Compare every table on the source and the sink">
          {report ? 'Verify again' : 'Verify'}
        </Button>
      </div>
      <ErrorBanner error={v.loadError} title="Cannot read the verification" />
      <ErrorBanner error={action.error} onDismiss={action.clearError} />
      {report === undefined && !v.loadError && <p className="muted small">Loading…</p>}
      {report === null && (
        <p className="muted" data-testid="verify-none">
          Not verified yet. Verify compares every table on the source and the sink, key range by key range, with checksums each server computes; ranges that differ
          while the job streams are compared again once the sink has caught up.
        </p>
      )}
      {report && <ReportBody report={report} showMatched={showMatched} onShowMatched={setShowMatched} />}
      {v.history && v.history.length > 1 && <VerifyHistory runs={v.history} />}
      {report && report.summary.mismatchedRows + report.summary.mismatched > 0 && !running && (
        <div className="form-actions">
          <Button
            variant="primary"
            onClick={() => setConfirming(true)}
            disabled={blocked !== null || busy}
            busy={action.busy === 'repair'}
            aria-describedby={blocked ? 'repair-reason' : undefined}
            data-testid="btn-repair"
          >
            Repair the differing rows
          </Button>
          {blocked && (
            <span id="repair-reason" className="small muted" data-testid="repair-disabled-reason">
              {blocked}
            </span>
          )}
        </div>
      )}
      {confirming && report && (
        <ConfirmDialog
          title={`Repair ${formatCount(report.summary.mismatchedRows, 'row')} in ${formatCount(report.summary.mismatched, 'table')}?`}
          confirmLabel="Repair these rows"
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            v.repair(report.id);
          }}
        >
          <p>Only these rows are copied again from the source: rows missing on the sink are written, extra rows are deleted, and different rows are overwritten.</p>
          <p>A table without a key is emptied on the sink and copied again. The repaired tables are then verified again.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function ReportBody({ report, showMatched, onShowMatched }: { report: VerifyReport; showMatched: boolean; onShowMatched(open: boolean): void }) {
  const s = report.summary;
  const open = report.tables.filter((t) => t.state !== 'match');
  const matched = report.tables.filter((t) => t.state === 'match');
  return (
    <>
      <dl className="kv-list">
        <KeyValue label="Started">
          <Time ms={report.startedAt} /> <span className="muted">by {report.operator}</span>
        </KeyValue>
        <KeyValue label="Finished">{report.finishedAt ? <Time ms={report.finishedAt} /> : <span className="muted">running</span>}</KeyValue>
        <KeyValue label="Source position">
          <code>{report.sourcePosition.start ?? '—'}</code> → <code>{report.sourcePosition.end ?? '—'}</code>
        </KeyValue>
        {report.whileStreaming && <KeyValue label="While streaming">yes: differing ranges were compared again after the sink caught up</KeyValue>}
      </dl>
      <p data-testid="verify-summary">
        {report.repairOf !== null && <span className="muted">Re-check of the tables repaired after #{report.repairOf}: </span>}
        {report.repairOf === null && coverageOf(report) === 'some' && <span className="muted">Selected tables only: </span>}
        <strong>
          {formatNumber(s.matched)} of {formatCount(s.tables, report.repairOf !== null ? 'repaired table' : 'table')} match
        </strong>
        {s.mismatched > 0 && ` · ${formatNumber(s.mismatched)} differ (${formatCount(s.mismatchedRows, 'row')} listed)`}
        {s.errors > 0 && ` · ${formatNumber(s.errors)} failed`}
      </p>
      <ErrorBanner error={report.error ? new ApiError(report.error.message, report.error.fix, 'VERIFY') : null} title="The verification could not finish" />
      {open.length > 0 && <ul className="verify-tables">{open.map((t) => <VerifyTable key={t.table} t={t} />)}</ul>}
      {matched.length > 0 && (
        <details onToggle={(e) => onShowMatched(e.currentTarget.open)}>
          <summary>
            {formatNumber(matched.length)} {matched.length === 1 ? 'table matches' : 'tables match'}
          </summary>
          {showMatched && <ul className="verify-tables">{matched.map((t) => <VerifyTable key={t.table} t={t} />)}</ul>}
        </details>
      )}
    </>
  );
}
