// The messages a consumer-group job's partitions are paused at: topic, partition, offset, key, the raw
// message, why, and how to go past one deliberately (`--skip-message`, recorded in the sink, sent to the
// dead-letter topic when the job names one): the engine takes a skip when the job's process starts, so
// the app shows the command to run rather than a button.
import '../kafka/kafka.css';
import type { PausedMessageStatus } from '../../../../shared/job-status';
import { CodeBlock } from '../../components/CopyButton';
import { Time } from '../../components/Time';
import { prettyJson } from '../kafka/json-pretty';

export const skipRef = (m: Pick<PausedMessageStatus, 'topic' | 'partition' | 'offset'>): string => `${m.topic}:${m.partition}:${m.offset}`;

export function PausedMessagesPanel({ job, messages }: { job: string; messages: readonly PausedMessageStatus[] }) {
  return (
    <section className="panel panel-warn stack-small" aria-labelledby="paused-messages-title" data-testid="paused-messages">
      <h2 id="paused-messages-title" className="panel-title">
        {messages.length === 1 ? 'A partition is paused at a message' : `${messages.length} partitions are paused at a message`}
      </h2>
      <p className="small">The other partitions go on. A paused partition is retried at the next rebalance (a process joining or leaving), or passed over with a skip.</p>
      {messages.map((m) => (
        <article key={skipRef(m)} className="paused-message stack-small" data-testid={`paused-message-${m.topic}-${m.partition}`}>
          <dl className="kv">
            <dt>Message</dt>
            <dd>
              <code data-testid="paused-ref">
                {m.topic} [{m.partition}] @ {m.offset}
              </code>
              <span className="muted small">
                {' '}
                · paused <Time ms={m.at} relative /> by process {m.pid}
              </span>
            </dd>
            <dt>Key</dt>
            <dd>{m.key === null ? <span className="muted">none</span> : <code>{m.key}</code>}</dd>
            <dt>Why</dt>
            <dd data-testid="paused-reason">{m.reason}</dd>
            <dt>Fix</dt>
            <dd>{m.fix}</dd>
          </dl>
          {m.raw === null ? (
            <p className="muted small">No value (a tombstone).</p>
          ) : (
            <>
              <pre className="message-value" tabIndex={0} aria-label={`The raw message at ${skipRef(m)}`} data-testid="paused-raw">
                {prettyJson(m.raw)}
              </pre>
              {m.bytes > m.raw.length && <p className="small muted">Shown up to 4,096 characters of {m.bytes.toLocaleString('en-US')} bytes.</p>}
            </>
          )}
          <p className="small">To go past it without applying it, stop the job and run it again with:</p>
          <CodeBlock code={`cutover run ${job}.json --skip-message ${skipRef(m)}`} what={`The command that skips ${skipRef(m)}`} testId="paused-skip-command" />
        </article>
      ))}
    </section>
  );
}
