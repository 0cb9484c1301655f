// The objects held back during the copy (triggers, routines, events) and where each stands on the sink.
import type { DeferredObject } from '../../../../shared/cutover';
import { StateBadge } from '../../components/StateBadge';

export function DeferredList({ objects, from, error }: { objects: DeferredObject[]; from: 'source' | 'step' | 'unknown'; error: string | null }) {
  return (
    <section className="panel" aria-labelledby="deferred-title" data-testid="cutover-deferred">
      <h2 id="deferred-title" className="panel-title">
        Deferred objects <span className="muted num">({objects.length})</span>
      </h2>
      {from === 'source' && objects.length > 0 && (
        <p className="small muted" data-testid="deferred-from-source">
          Held back on the sink until the stream has stopped; step 5 creates them.
        </p>
      )}
      {from === 'unknown' ? (
        <p className="small field-error" data-testid="deferred-unknown">
          {error ? `The source’s triggers, routines and events could not be listed: ${error}` : 'The source’s triggers, routines and events have not been listed yet.'}
        </p>
      ) : objects.length === 0 ? (
        <p className="muted small">The source has no triggers, routines or events in the copied databases: nothing is held back.</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">On the source</th>
              <th scope="col">On the sink</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {objects.map((o) => (
              <tr key={`${o.kind}:${o.name}`} data-testid={`deferred-${o.name}`}>
                <td>{o.kind}</td>
                <td>
                  <code>{o.name}</code>
                </td>
                <td>
                  <code>{o.sinkName}</code>
                </td>
                <td>
                  <StateBadge state={o.state} />
                  {o.error && <p className="field-error">{o.error}</p>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
