// A Kafka connection's topics (partitions, messages held), read from the cluster; each can be picked
// (the consumer wizard) and sampled: its latest message shown with the format Cutover detects in it.
import './kafka.css';
import { useState } from 'react';
import type { CutoverApi, KafkaTopicSample } from '../../../../shared/api';
import { Button } from '../../components/Button';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useAction } from '../../components/useAction';
import { useLoad } from '../../components/useLoad';
import { MessageSample } from './MessageSample';

export interface TopicBrowserProps {
  api: CutoverApi;
  profile: string;
  /** Picked topics (a check box per topic); absent: the list only shows. */
  selected?: readonly string[];
  onToggle?(topic: string, on: boolean): void;
  /** A sample was read (the wizard takes its detected format). */
  onSample?(sample: KafkaTopicSample): void;
}

export function TopicBrowser({ api, profile, selected, onToggle, onSample }: TopicBrowserProps) {
  const topics = useLoad(`topics:${profile}`, () => api.call('kafkaTopics', profile));
  const [sample, setSample] = useState<{ topic: string; sample: KafkaTopicSample | null } | null>(null);
  const action = useAction();
  const [showInternal, setShowInternal] = useState(false);

  const read = async (topic: string) => {
    const s = await action.run(`sample:${topic}`, () => api.call('kafkaTopicSample', profile, topic));
    if (s === undefined) return;
    setSample({ topic, sample: s });
    if (s) onSample?.(s);
  };

  const list = (topics.data ?? []).filter((t) => showInternal || !t.internal);
  const hidden = (topics.data ?? []).length - list.length;
  return (
    <div className="topic-browser" data-testid="topic-browser">
      <ErrorBanner error={topics.error} title={`Cannot list the topics of "${profile}"`} />
      <ErrorBanner error={action.error} onDismiss={action.clearError} />
      {topics.data === undefined ? (
        topics.loading && (
          <p className="muted" role="status">
            Reading the cluster&apos;s topics…
          </p>
        )
      ) : (
        <>
          <div className="topic-browser-head">
            <p className="small muted" role="status" data-testid="topic-count">
              {list.length} topic(s){hidden ? `, ${hidden} internal hidden` : ''}
            </p>
            <Button variant="quiet" onClick={() => topics.reload()} data-testid="btn-topics-reload">
              Read again
            </Button>
            {(hidden > 0 || showInternal) && (
              <label className="small">
                <input type="checkbox" checked={showInternal} onChange={(e) => setShowInternal(e.target.checked)} /> Show internal topics
              </label>
            )}
          </div>
          {list.length === 0 ? (
            <p className="widget-empty" data-testid="topics-empty">
              The cluster has no topics yet. A producer (Cutover, Debezium, Canal or Maxwell) creates them with its first message.
            </p>
          ) : (
            <table className="data-table topic-table" data-testid="topic-list">
              <thead>
                <tr>
                  {onToggle && (
                    <th scope="col">
                      <span className="visually-hidden">Read</span>
                    </th>
                  )}
                  <th scope="col">Topic</th>
                  <th scope="col" className="num">
                    Partitions
                  </th>
                  <th scope="col" className="num">
                    Messages
                  </th>
                  <th scope="col">
                    <span className="visually-hidden">Sample</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((t) => (
                  <tr key={t.name} data-testid={`topic-row-${t.name}`} className={sample?.topic === t.name ? 'is-selected' : undefined}>
                    {onToggle && (
                      <td>
                        <input
                          type="checkbox"
                          checked={selected?.includes(t.name) ?? false}
                          onChange={(e) => onToggle(t.name, e.target.checked)}
                          aria-label={`Read ${t.name}`}
                          data-testid={`topic-check-${t.name}`}
                        />
                      </td>
                    )}
                    <td>
                      <code>{t.name}</code>
                      {t.internal && <span className="badge small"> internal</span>}
                    </td>
                    <td className="num">{t.partitions}</td>
                    <td className="num">{t.messages.toLocaleString('en-US')}</td>
                    <td className="row-actions">
                      <Button variant="quiet" onClick={() => void read(t.name)} busy={action.busy === `sample:${t.name}`} disabled={t.messages === 0} aria-label={`Show a message of ${t.name}`} data-testid={`topic-sample-${t.name}`}>
                        Show a message
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      {sample && (
        <section className="panel" aria-label={`A message of ${sample.topic}`}>
          {sample.sample ? <MessageSample sample={sample.sample} /> : <p className="muted" data-testid="topic-sample-none">{sample.topic} holds no message now.</p>}
        </section>
      )}
    </div>
  );
}
