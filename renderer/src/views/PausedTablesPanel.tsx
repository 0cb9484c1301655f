// Tables paused at a DDL statement (DDL policy "pause-table") while the others stream on: the statement,
// how many changes are held, and the way on (resume after applying the statement by hand, or skip it).
import { useState } from 'react';
import type { PausedTable } from '../../../shared/api';
import { Button } from '../components/Button';
import { ConfirmDialog } from '../components/ConfirmDialog';

const plural = (n: number, one: string, many: string): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

export function PausedTablesPanel({ tables, busy, onResume }: { tables: PausedTable[]; busy: string | null; onResume(table: string, skip: boolean): void }) {
  const [confirming, setConfirming] = useState<{ table: string; skip: boolean } | null>(null);
  return (
    <section className="panel panel-warn" data-testid="paused-tables" aria-labelledby="paused-tables-title">
      <h2 id="paused-tables-title" className="panel-title">
        <span aria-hidden="true">⚠ </span>
        {tables.length === 1 ? 'A table is paused at a DDL statement' : `${tables.length} tables are paused at DDL statements`}; the others stream on
      </h2>
      {tables.map((t) => (
        <div key={t.table} className="paused-table" data-testid={`paused-table-${t.table}`}>
          <dl className="kv-list">
            <div className="kv">
              <dt>Table</dt>
              <dd>
                <code>{t.table}</code>
              </dd>
            </div>
            <div className="kv">
              <dt>Position</dt>
              <dd>
                <code>{t.position}</code>
              </dd>
            </div>
            <div className="kv">
              <dt>Held</dt>
              <dd data-testid="held-changes">{plural(t.heldChanges, 'change', 'changes')}, applied in source order when it resumes</dd>
            </div>
            <div className="kv">
              <dt>Why</dt>
              <dd>{t.reason}</dd>
            </div>
          </dl>
          <pre className="sql" aria-label={`The DDL statement of ${t.table}`} tabIndex={0}>
            {t.sql}
          </pre>
          {t.request ? (
            <p className="small muted" role="status">
              {t.request === 'skip' ? 'Skipped' : 'Resumed'}: the held changes are applied when the job streams.
            </p>
          ) : (
            <>
              <p className="small muted">Apply the equivalent statement to the sink by hand, then resume the table.</p>
              <div className="controls">
                <Button busy={busy === `resume:${t.table}`} onClick={() => setConfirming({ table: t.table, skip: false })} data-testid="btn-resume-table">
                  Resume the table
                </Button>
                <Button variant="danger" busy={busy === `skip:${t.table}`} onClick={() => setConfirming({ table: t.table, skip: true })} data-testid="btn-skip-table-ddl">
                  Skip the statement
                </Button>
              </div>
            </>
          )}
        </div>
      ))}
      {confirming && (
        <ConfirmDialog
          title={confirming.skip ? `Skip the statement for ${confirming.table}?` : `Resume ${confirming.table}?`}
          confirmLabel={confirming.skip ? 'Skip it and resume' : 'Resume'}
          danger={confirming.skip}
          onCancel={() => setConfirming(null)}
          onConfirm={() => {
            const c = confirming;
            setConfirming(null);
            onResume(c.table, c.skip);
          }}
        >
          <p>
            {confirming.skip
              ? 'The sink keeps its definition of the table; the held changes are applied to it as they are.'
              : 'The statement must already be applied to the sink. The held changes are then applied in source order, and the table streams again.'}
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
