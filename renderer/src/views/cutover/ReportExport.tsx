// The change record: export as Markdown or HTML (downloaded as a file) and a preview of the Markdown.
import { useState } from 'react';
import type { CutoverApi } from '../../../../shared/api';
import { Button } from '../../components/Button';
import { downloadText } from '../../components/download';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useAction } from '../../components/useAction';

/** `method`: the switch's report (default) or the rollback's. */
export function ReportExport({ api, job, method = 'cutoverReport' }: { api: CutoverApi; job: string; method?: 'cutoverReport' | 'rollbackReport' }) {
  const action = useAction();
  const [preview, setPreview] = useState<string | null>(null);
  const exportAs = async (format: 'markdown' | 'html') => {
    const file = await action.run(format, () => api.call(method, job, format));
    if (!file) return;
    downloadText(file.fileName, file.text, file.mime);
    if (format === 'markdown') setPreview(file.text);
  };
  const showPreview = async () => {
    const file = await action.run('preview', () => api.call(method, job, 'markdown'));
    if (file) setPreview(file.text);
  };
  return (
    <div className="stack-small" data-testid="cutover-report">
      <div className="form-actions">
        <Button onClick={() => void exportAs('markdown')} busy={action.busy === 'markdown'} disabled={action.busy !== null} data-testid="btn-export-md">
          Export Markdown
        </Button>
        <Button onClick={() => void exportAs('html')} busy={action.busy === 'html'} disabled={action.busy !== null} data-testid="btn-export-html">
          Export HTML
        </Button>
        {preview === null && (
          <Button variant="quiet" onClick={() => void showPreview()} busy={action.busy === 'preview'} disabled={action.busy !== null} data-testid="btn-preview-report">
            Preview
          </Button>
        )}
      </div>
      <ErrorBanner error={action.error} onDismiss={action.clearError} title="Cannot write the report" />
      {preview !== null && (
        <pre className="sql report-preview" tabIndex={0} aria-label="The report (Markdown)" data-testid="cutover-report-preview">
          {preview}
        </pre>
      )}
    </div>
  );
}
