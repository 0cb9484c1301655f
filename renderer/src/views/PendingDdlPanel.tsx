// The DDL statement the stream is paused at, and the way past it (resume, skipping the statement).
import { useState } from 'react';
import type { PendingDdl } from '../../../shared/api';
import { Button } from '../components/Button';
import { ConfirmDialog } from '../components/ConfirmDialog';

export function PendingDdlPanel({ ddl, busy, onSkip }: { ddl: PendingDdl; busy: boolean; onSkip(): void }) {
  const [confirming, setConfirming] = useState(false);
  return (
    <section className="panel panel-warn" data-testid="pending-ddl" aria-labelledby="ddl-title">
      <h2 id="ddl-title" className="panel-title">
        <span aria-hidden="true">⚠ </span>The stream is paused at a DDL statement
      </h2>
      <dl className="kv-list">
        <div className="kv">
          <dt>Position</dt>
          <dd>
            <code>{ddl.position}</code>
          </dd>
        </div>
        <div className="kv">
          <dt>Database</dt>
          <dd>
            <code>{ddl.db}</code>
          </dd>
        </div>
        <div className="kv">
          <dt>Why</dt>
          <dd>{ddl.reason}</dd>
        </div>
      </dl>
      <pre className="sql" aria-label="The DDL statement" tabIndex={0}>
        {ddl.sql}
      </pre>
      <p className="small muted">If the sink needs this change, apply the equivalent statement there by hand first.</p>
      <Button variant="danger" busy={busy} onClick={() => setConfirming(true)} data-testid="btn-skip-ddl">
        Resume, skipping this statement
      </Button>
      {confirming && (
        <ConfirmDialog
          title="Skip this DDL statement?"
          confirmLabel="Skip it and resume"
          danger
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            onSkip();
          }}
        >
          <p>The stream goes on past this statement without applying it to the sink:</p>
          <pre className="sql">{ddl.sql}</pre>
        </ConfirmDialog>
      )}
    </section>
  );
}
