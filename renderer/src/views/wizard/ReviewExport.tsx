// Review: the time estimate (a short timed read of the source) and the job as a file: JSON with
// connections by saved profile (this machine) or by environment variables (another machine), Copy and
// Download, the variables to set, and the equivalent CLI command.
import { useState } from 'react';
import type { CutoverApi } from '../../../../shared/api';
import type { WizardDraft } from '../../../../shared/wizard';
import { Button } from '../../components/Button';
import { ChoiceField } from '../../components/Field';
import { CodeBlock, CopyButton } from '../../components/CopyButton';
import { downloadText } from '../../components/download';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useLoad } from '../../components/useLoad';
import { formatBytes, formatCount, formatDuration, formatNumber, formatRate } from '../../format';

export function EstimatePanel({ api, draft }: { api: CutoverApi; draft: WizardDraft }) {
  const est = useLoad('estimate', () => api.call('estimate', draft));
  const e = est.data;
  return (
    <section className="panel stack-small" aria-labelledby="estimate-title" data-testid="estimate-panel">
      <h3 id="estimate-title" className="panel-title">
        How long the copy should take
      </h3>
      <ErrorBanner error={est.error} title="Cannot estimate the copy time" />
      {est.loading && (
        <p className="muted" role="status">
          Timing a short read of the source…
        </p>
      )}
      {e && !est.loading && (
        <div data-testid="estimate-result">
          <p className="tile-value">{e.seconds === null ? 'Unknown' : e.seconds < 1 ? 'Under a second' : `About ${formatDuration(e.seconds)}`}</p>
          <p className="small">
            ~{formatCount(e.rows, 'row')}, {formatBytes(e.bytes)} of data
            {e.rowsPerSecond > 0 && ` at about ${formatRate(e.rowsPerSecond, 'rows/s')}`}.
          </p>
          {e.schema.tables > 0 && (
            <p className="small" data-testid="estimate-schema">
              Included: creating the schema of {formatNumber(e.schema.tables)} {e.schema.tables === 1 ? 'table' : 'tables'} first, {e.schema.seconds < 1 ? 'under a second' : `about ${formatDuration(e.schema.seconds)}`}.
            </p>
          )}
          <p className="small muted" data-testid="estimate-basis">
            {e.basis}
          </p>
        </div>
      )}
      <div>
        <Button onClick={est.reload} busy={est.loading} data-testid="btn-reestimate">
          Estimate again
        </Button>
      </div>
    </section>
  );
}

export function ExportPanel({ api, draft }: { api: CutoverApi; draft: WizardDraft }) {
  const [mode, setMode] = useState<'profile' | 'env'>('profile');
  const exp = useLoad(`export:${mode}`, () => api.call('exportJob', draft, mode));
  const x = exp.data;
  return (
    <section className="panel stack-small" aria-labelledby="export-title" data-testid="export-panel">
      <h3 id="export-title" className="panel-title">
        The job as a file
      </h3>
      <p className="small muted">Run the same job headless on a server with the cutover CLI.</p>
      <ChoiceField<'profile' | 'env'>
        name="export"
        legend="Connections"
        value={mode}
        onChange={setMode}
        choices={[
          { value: 'profile', label: 'By saved profile (this machine)', description: 'The file names the connections; their passwords stay in this machine’s state file.' },
          { value: 'env', label: 'By environment variables (another machine)', description: 'Hosts, users and passwords are read from environment variables where the job runs.' },
        ]}
      />
      <ErrorBanner error={exp.error} title="Cannot export the job" />
      {exp.loading && (
        <p className="muted" role="status">
          Writing the job file…
        </p>
      )}
      {x && !exp.loading && (
        <>
          <div className="code-block">
            <pre className="sql export-json" tabIndex={0} aria-label="The job file" data-testid="export-json">
              {x.json}
            </pre>
            <span className="form-actions">
              <CopyButton text={x.json} what="the job file" testId="btn-copy-json" />
              <Button onClick={() => downloadText(x.fileName, x.json, 'application/json')} data-testid="btn-download-json">
                Download {x.fileName}
              </Button>
            </span>
          </div>
          {mode === 'env' && x.env.length > 0 && (
            <div data-testid="export-env">
              <p className="small">Set these environment variables where the job runs:</p>
              <dl className="kv-list">
                {x.env.map((v) => (
                  <div className="kv" key={v.name}>
                    <dt>
                      <code>{v.name}</code>
                    </dt>
                    <dd>{v.holds}</dd>
                  </div>
                ))}
              </dl>
            </div>
          )}
          <p className="small">The command that runs it:</p>
          <CodeBlock code={x.command} what="the command" testId="export-command" copyTestId="btn-copy-command" />
        </>
      )}
    </section>
  );
}
