// Sessions on the source that matter to the freeze: the transactions open before it (they would commit
// after it), and, after a failed freeze, the sessions of accounts that write through read-only — with the
// privilege that lets them, the REVOKE that stops it, and a Kill action confirmed by their names.
import type { SourceSessionInfo, WriteBypass } from '../../../../shared/cutover';
import { Button } from '../../components/Button';

export const sessionName = (s: SourceSessionInfo): string => `#${s.id} ${s.user}@${s.host}`;

export function SessionTable({ sessions, testId, transactions }: { sessions: SourceSessionInfo[]; testId: string; transactions?: boolean }) {
  return (
    <table className="data-table small" data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">Session</th>
          <th scope="col">Account</th>
          <th scope="col">Command</th>
          <th scope="col">{transactions ? 'Transaction open' : 'Time'}</th>
          <th scope="col">Statement</th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((s) => (
          <tr key={s.id} data-testid={`${testId}-${s.id}`}>
            <td className="num">#{s.id}</td>
            <td>
              <code>
                {s.user}@{s.host}
              </code>
              {s.privilege && <span className="muted"> ({s.privilege})</span>}
            </td>
            <td>{s.command}</td>
            <td className="num">{transactions ? `${s.transactionSeconds ?? '?'} s` : `${s.timeSeconds} s`}</td>
            <td>{s.info ? <code>{s.info}</code> : <span className="muted">—</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function OpenTransactions({ sessions }: { sessions: SourceSessionInfo[] }) {
  if (!sessions.length) return null;
  return (
    <div data-testid="cutover-open-transactions">
      <p className="small">
        <strong>{sessions.length} transaction(s) open on the source</strong> when last checked: they would commit after the freeze (or fail). Let them finish, or end them, before you
        freeze.
      </p>
      <SessionTable sessions={sessions} testId="open-trx" transactions />
    </div>
  );
}

export function BypassSessions({ bypass, busy, onKill }: { bypass: WriteBypass; busy: boolean; onKill(): void }) {
  const accounts = bypass.accounts.filter((a) => !a.cutover);
  return (
    <div className="cutover-bypass" data-testid="cutover-bypass">
      {bypass.sessions.length > 0 ? (
        <>
          <p className="small">
            <strong>Sessions that write through read-only:</strong>
          </p>
          <SessionTable sessions={bypass.sessions} testId="bypass-session" />
        </>
      ) : (
        <p className="small">No session of an account that bypasses read-only is connected now. Wait, then run this step again to re-check.</p>
      )}
      {accounts.length > 0 && (
        <ul className="small" data-testid="cutover-bypass-accounts">
          {accounts.map((a) => (
            <li key={a.account}>
              <code>{a.account}</code> has {a.privileges.join(' and ')}: <code>{a.revoke.join('; ')}</code>
            </li>
          ))}
        </ul>
      )}
      {bypass.sessions.length > 0 && (
        <div className="form-actions">
          <Button variant="danger" onClick={onKill} disabled={busy} data-testid="cutover-kill-sessions">
            Kill {bypass.sessions.length} session(s)…
          </Button>
          <span className="small muted">or wait for them to end, then run the step again to re-check.</span>
        </div>
      )}
    </div>
  );
}
