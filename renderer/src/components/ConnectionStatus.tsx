// The header's connection indicator and the banner shown while the engine is unreachable.
import { useSyncExternalStore } from 'react';
import type { ConnectionInfo, ConnectionStore } from '../api/connection';

export function useConnection(store: ConnectionStore): ConnectionInfo {
  return useSyncExternalStore(store.subscribe, store.get, store.get);
}

const LABELS = { connected: 'Connected', connecting: 'Connecting…', disconnected: 'Disconnected' } as const;

export function ConnectionIndicator({ info }: { info: ConnectionInfo }) {
  return (
    <span className={`conn conn-${info.state}`} data-testid="connection-status" data-state={info.state} role="status">
      <span className="conn-dot" aria-hidden="true" />
      {LABELS[info.state]}
    </span>
  );
}

export function ConnectionBanner({ info }: { info: ConnectionInfo }) {
  if (info.state !== 'disconnected') return null;
  return (
    <div className="banner banner-warn" role="alert" data-testid="connection-banner">
      <div className="banner-body">
        <p className="banner-message">
          <strong>Disconnected from the engine — reconnecting</strong>
          {info.attempts > 1 ? ` (attempt ${info.attempts})` : ''}. What you see may be out of date until the connection is back.
        </p>
      </div>
    </div>
  );
}
