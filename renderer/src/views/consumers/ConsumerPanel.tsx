// A consumer-group job's processes (Kafka source): per process its group member and, per partition, the
// offset the sink has applied up to, the partition's end, and the lag in messages and in seconds; a
// partition paused at a bad message is marked. The lag chart follows the same partitions over time.
import '../kafka/kafka.css';
import type { ConsumerProcessStatus, PausedMessageStatus } from '../../../../shared/job-status';
import { Time } from '../../components/Time';
import { formatLag, formatNumber } from '../../format';
import type { LagPoint } from './lag-history';
import { PartitionLagChart } from './PartitionLagChart';

export function ConsumerPanel({ consumers, paused, history }: { consumers: readonly ConsumerProcessStatus[]; paused: readonly PausedMessageStatus[]; history: readonly LagPoint[] }) {
  const isPaused = (topic: string, partition: number) => paused.some((m) => m.topic === topic && m.partition === partition);
  const total = consumers.reduce((n, c) => n + c.partitions.reduce((m, p) => m + (p.lag ?? 0), 0), 0);
  return (
    <section className="panel stack-small" aria-labelledby="consumers-title" data-testid="consumer-panel">
      <h2 id="consumers-title" className="panel-title">
        Consumer group <span className="muted num">({consumers.length} process{consumers.length === 1 ? '' : 'es'}, {formatNumber(total)} message(s) behind)</span>
      </h2>
      <PartitionLagChart history={history} />
      {consumers.map((c) => (
        <div key={c.pid} className="consumer-process" data-testid={`consumer-process-${c.pid}`}>
          <h3 className="small">
            Process {c.pid}
            {c.memberId && <span className="muted"> · member {c.memberId}</span>}
            <span className="muted">
              {' '}
              · updated <Time ms={c.updatedAt} relative />
            </span>
          </h3>
          {c.partitions.length === 0 ? (
            <p className="small muted">No partition assigned (the group has more processes than partitions, or a rebalance is under way).</p>
          ) : (
            <table className="data-table" data-testid="partition-table">
              <thead>
                <tr>
                  <th scope="col">Partition</th>
                  <th scope="col" className="num">
                    Offset applied
                  </th>
                  <th scope="col" className="num">
                    End offset
                  </th>
                  <th scope="col" className="num">
                    Lag (messages)
                  </th>
                  <th scope="col" className="num">
                    Lag (time)
                  </th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {c.partitions.map((p) => (
                  <tr key={`${p.topic}/${p.partition}`} data-testid={`partition-${p.topic}-${p.partition}`}>
                    <th scope="row">
                      <code>
                        {p.topic} [{p.partition}]
                      </code>
                    </th>
                    <td className="num" data-testid="partition-offset">
                      {p.offset ?? '—'}
                    </td>
                    <td className="num" data-testid="partition-end">
                      {p.end ?? '—'}
                    </td>
                    <td className="num" data-testid="partition-lag">
                      {p.lag === null ? '—' : formatNumber(p.lag)}
                    </td>
                    <td className="num" data-testid="partition-lag-time">
                      {p.lagMs === null ? '—' : formatLag(p.lagMs / 1000)}
                    </td>
                    <td>{isPaused(p.topic, p.partition) ? <span className="badge badge-error">paused at a bad message</span> : <span className="muted">flowing</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      ))}
    </section>
  );
}
