// An ApiError on screen: what is wrong and what to do. Stays until dismissed (when onDismiss is given).
import type { ApiError } from '../../../shared/api';
import { Button } from './Button';
import { FixText } from './FixText';

export function ErrorBanner({ error, onDismiss, title }: { error: ApiError | null; onDismiss?: () => void; title?: string }) {
  if (!error) return null;
  return (
    <div className="banner banner-error" role="alert" data-testid="error-banner">
      <div className="banner-body">
        {title && <strong className="banner-title">{title}</strong>}
        <p className="banner-message">{error.message}</p>
        <FixText fix={error.fix} />
      </div>
      {onDismiss && (
        <Button variant="quiet" onClick={onDismiss} aria-label="Dismiss this error">
          Dismiss
        </Button>
      )}
    </div>
  );
}
