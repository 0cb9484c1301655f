// The messages a consumer-group job's partitions are paused at: topic, partition, offset, key, the raw
// message, why, and how to go past one deliberately: **Skip this message** (after a confirmation that
// names it) asks the engine (API `skipMessage`) to pass it over, recorded in the sink and sent to the
// dead-letter topic when the job names one; a running job resumes the partition within seconds, a stopped
// one when it runs again. The same skip as commands to copy, for a shell on another machine.
import { useState } from 'react';
import '../kafka/kafka.css';
import type { PausedMessageStatus } from '../../../../shared/job-status';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { CodeBlock } from '../../components/CopyButton';
import { Time } from '../../components/Time';
import { prettyJson } from '../kafka/json-pretty';

export const skipRef = (m: Pick<PausedMessageStatus, 'topic' | 'partition' | 'offset'>): string => `${m.topic}:${m.partition}:${m.offset}`;

export interface PausedMessagesPanelProps {
  job: string;
  messages: readonly PausedMessageStatus[];
  /** The action in flight (`skip-message:TOPIC:PARTITION:OFFSET` while a skip is asked for), or null. */
  busy?: string | null;
  /** Skip asked for, confirmed by the operator; absent: no button (only the commands). */
  onSkip?(message: string): void;
  /** Skips asked for from this view, by TOPIC:PARTITION:OFFSET (shown as asked until the partition moves on). */
  asked?: ReadonlySet<string>;
}

export function PausedMessagesPanel({ job, messages, busy = null, onSkip, asked }: PausedMessagesPanelProps) {
  const [confirming, setConfirming] = useState<PausedMessageStatus | null>(null);
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
          {onSkip &&
            (asked?.has(skipRef(m)) ? (
              <p className="small" role="status" data-testid="paused-skip-asked">
                Skip asked for: the partition goes on past this message once the job's process holding it takes the request (within seconds while the job runs).
              </p>
            ) : (
              <div className="controls">
                <Button variant="danger" busy={busy === `skip-message:${skipRef(m)}`} onClick={() => setConfirming(m)} data-testid="btn-skip-message" aria-label={`Skip the message at ${skipRef(m)}`}>
                  Skip this message
                </Button>
              </div>
            ))}
          <p className="small">Or from a shell, while the job runs or before it runs again:</p>
          <CodeBlock code={`cutover skip-message ${skipRef(m)} --job ${job}`} what={`The command that skips ${skipRef(m)}`} testId="paused-skip-command" />
        </article>
      ))}
      {confirming && (
        <ConfirmDialog
          title={`Skip the message at ${skipRef(confirming)}?`}
          confirmLabel="Skip it"
          danger
          onCancel={() => setConfirming(null)}
          onConfirm={() => {
            const m = confirming;
            setConfirming(null);
            onSkip?.(skipRef(m));
          }}
        >
          <p data-testid="skip-confirm-text">
            The message at {confirming.topic} partition {confirming.partition} offset {confirming.offset} (key {confirming.key ?? 'none'}) is passed over: it is never applied to the sink. The job's dead-letter topic receives it when the job names one, and the skip is recorded in the sink with your name.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
