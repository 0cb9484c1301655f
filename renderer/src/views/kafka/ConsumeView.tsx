// The Kafka consumer wizard (#/consume): a job whose source is topics of a saved Kafka connection
// (Debezium, Canal or Maxwell messages) applied to a saved MySQL/MariaDB or PostgreSQL connection. The
// topics are picked from the cluster's list, a message of each shown with its detected format; the job
// file it becomes (the CLI's contract, connections by saved name) is shown, downloadable, and added and
// started from here.
import './kafka.css';
import { useState } from 'react';
import type { CutoverApi, KafkaTopicSample } from '../../../../shared/api';
import { consumerJobFile, consumerProblems, emptyConsumerDraft, type ConsumerDraft, type ConsumerFormat } from '../../../../shared/kafka-consumer-job';
import type { ProfileSummary } from '../../../../shared/profiles';
import { Button } from '../../components/Button';
import { ChoiceField, Field } from '../../components/Field';
import { CodeBlock } from '../../components/CopyButton';
import { downloadText } from '../../components/download';
import { ErrorBanner } from '../../components/ErrorBanner';
import { useAction } from '../../components/useAction';
import { useLoad } from '../../components/useLoad';
import { endpointUi, topicKinds } from '../../endpoints/registry';
import { useSinkKinds } from '../../sink-kinds';
import { ProfileForm } from '../connections/ProfileForm';
import { navigateToJob } from '../route';
import { formatText } from './MessageSample';
import { TopicBrowser } from './TopicBrowser';

const FORMATS: { value: ConsumerFormat; label: string; description: string }[] = [
  { value: 'auto', label: 'Detect per message', description: 'Each message is read as the format its shape shows (Debezium, Canal or Maxwell).' },
  { value: 'debezium', label: 'Debezium', description: 'With or without the JSON schema envelope.' },
  { value: 'canal', label: 'Canal', description: 'flatMessage JSON.' },
  { value: 'maxwell', label: 'Maxwell', description: 'Maxwell JSON.' },
];

export function ConsumeView({ api, profile = null }: { api: CutoverApi; profile?: string | null }) {
  const profiles = useLoad('profiles', () => api.call('listProfiles'));
  const jobs = useLoad('jobs', () => api.call('listJobs'));
  const info = useLoad('info', () => api.call('info'));
  const sinkKinds = useSinkKinds(api);
  const [draft, setDraft] = useState<ConsumerDraft>(() => emptyConsumerDraft(profile));
  const [formatTouched, setFormatTouched] = useState(false);
  const [detected, setDetected] = useState<KafkaTopicSample | null>(null);
  const [shown, setShown] = useState(false);
  const [newConnection, setNewConnection] = useState<'source' | 'sink' | null>(null);
  const action = useAction();

  const all = profiles.data ?? [];
  const sources = all.filter((p) => endpointUi(p.profile.kind)?.topics);
  // A sink that stores each partition's offset with the rows it applies (exactly once).
  const sinks = all.filter((p) => sinkKinds.of(p.profile.kind)?.capabilities.partitionOffsets);
  const sinkType = draft.sink ? (all.find((p) => p.profile.name === draft.sink)?.profile.kind ?? null) : null;
  const problems = consumerProblems(draft, (jobs.data ?? []).map((j) => j.name));
  const errorOf = (field: string) => (shown ? problems.find((p) => p.field === field)?.message : undefined);
  const set = (patch: Partial<ConsumerDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const text = sinkType ? JSON.stringify(consumerJobFile(draft, sinkType), null, 2) + '\n' : null;
  const fileName = `${draft.name || 'kafka-consumer'}.json`;
  const statePath = info.data?.statePath;

  const onSample = (s: KafkaTopicSample) => {
    setDetected(s);
    if (!formatTouched && s.format) set({ format: s.format });
  };

  const create = async () => {
    setShown(true);
    if (problems.length || !text) return;
    const created = await action.run('create', async () => {
      const { name } = await api.call('openJob', { text, fileName });
      await api.call('start', name);
      return name;
    });
    if (created) navigateToJob(created);
  };

  return (
    <section className="view consume-view stack" aria-labelledby="consume-title" data-testid="consume-view">
      <div className="view-header">
        <h1 id="consume-title" className="job-title">
          New Kafka consumer job
        </h1>
      </div>
      <p className="muted">
        Reads topics of Debezium, Canal or Maxwell messages and applies them to a MySQL/MariaDB or PostgreSQL database exactly once (each partition&apos;s offset is stored
        with the rows). Run the same job file on more machines to share the partitions in one consumer group.
      </p>
      <ErrorBanner error={profiles.error} title="Cannot list the saved connections" />

      <section className="panel stack-small" aria-labelledby="consume-source-title">
        <h2 id="consume-source-title" className="panel-title">
          1. Kafka connection and topics
        </h2>
        <ConnectionSelect name="source" label="Kafka connection" options={sources} value={draft.source} error={errorOf('source')} onChange={(source) => set({ source, topics: [] })} />
        <Button variant="quiet" onClick={() => setNewConnection('source')} data-testid="consume-new-source">
          New Kafka connection…
        </Button>
        {newConnection && (
          <ProfileForm
            api={api}
            editing={null}
            kinds={newConnection === 'source' ? topicKinds() : (sinkKinds.list ?? []).filter((k) => k.capabilities.partitionOffsets && endpointUi(k.kind)).map((k) => k.kind)}
            title={newConnection === 'source' ? 'New Kafka connection' : 'New sink connection'}
            onCancel={() => setNewConnection(null)}
            onSaved={(saved: ProfileSummary) => {
              set(newConnection === 'source' ? { source: saved.profile.name, topics: [] } : { sink: saved.profile.name });
              setNewConnection(null);
              profiles.reload();
            }}
          />
        )}
        {draft.source && (
          <TopicBrowser
            key={draft.source}
            api={api}
            profile={draft.source}
            selected={draft.topics}
            onToggle={(topic, on) => set({ topics: on ? [...draft.topics.filter((t) => t !== topic), topic] : draft.topics.filter((t) => t !== topic) })}
            onSample={onSample}
          />
        )}
        {errorOf('topics') && (
          <p className="field-error" data-testid="field-error-topics">
            {errorOf('topics')}
          </p>
        )}
      </section>

      <section className="panel stack-small" aria-labelledby="consume-read-title">
        <h2 id="consume-read-title" className="panel-title">
          2. How the messages are read
        </h2>
        <ChoiceField
          name="format"
          legend="Message format"
          value={draft.format}
          choices={FORMATS}
          onChange={(format) => {
            setFormatTouched(true);
            set({ format });
          }}
        />
        {detected?.format && (
          <p className="small" data-testid="consume-detected">
            Detected in {detected.topic}: <strong>{formatText(detected)}</strong>
            {draft.format !== 'auto' && draft.format !== detected.format && <span className="text-warn"> — the format chosen above differs.</span>}
          </p>
        )}
        <Field name="group" label="Consumer group" hint={`Every process of this job joins it and takes a share of the partitions. Empty: cutover-${draft.name || '<job name>'}.`} error={errorOf('group')}>
          {(p) => <input {...p} type="text" value={draft.group} onChange={(e) => set({ group: e.target.value })} />}
        </Field>
        <ChoiceField
          name="start"
          legend="Where a partition starts (when the sink has no offset of it yet)"
          value={draft.start}
          choices={[
            { value: 'earliest', label: 'Earliest', description: 'Every message the topic still holds.' },
            { value: 'latest', label: 'Latest', description: 'Only messages written after the job joins.' },
            { value: 'timestamp', label: 'At a time', description: 'The first message at or after a time (UTC).' },
          ]}
          onChange={(start) => set({ start })}
        />
        {draft.start === 'timestamp' && (
          <Field name="timestamp" label="Start at (UTC)" error={errorOf('timestamp')}>
            {(p) => <input {...p} type="datetime-local" value={draft.timestamp} onChange={(e) => set({ timestamp: e.target.value })} />}
          </Field>
        )}
      </section>

      <section className="panel stack-small" aria-labelledby="consume-sink-title">
        <h2 id="consume-sink-title" className="panel-title">
          3. Where the changes go
        </h2>
        <ConnectionSelect name="sink" label="Sink connection" options={sinks} value={draft.sink} error={errorOf('sink')} onChange={(sink) => set({ sink })} />
        <Button variant="quiet" onClick={() => setNewConnection('sink')} data-testid="consume-new-sink">
          New sink connection…
        </Button>
        <Field name="include" label="Tables" hint="The tables whose messages are applied (each message names its database and table): db.table, db.* or /regular expression/, separated by commas. The sink's tables must exist, or the Debezium schema envelope creates them." error={errorOf('include')}>
          {(p) => <input {...p} type="text" value={draft.include} placeholder="shop.*" onChange={(e) => set({ include: e.target.value })} />}
        </Field>
        <Field name="name" label="Job name" error={errorOf('name')}>
          {(p) => <input {...p} type="text" value={draft.name} onChange={(e) => set({ name: e.target.value })} />}
        </Field>
      </section>

      <section className="panel stack-small" aria-labelledby="consume-file-title">
        <h2 id="consume-file-title" className="panel-title">
          4. The job file
        </h2>
        {text ? (
          <>
            <CodeBlock code={text} what="The job file" testId="consume-json" />
            <p className="small">
              On this machine: <code data-testid="consume-command">{`cutover run ${fileName}${statePath ? ` --state ${statePath}` : ''}`}</code> (its connections are the saved ones, by name).
            </p>
            <div className="controls">
              <Button onClick={() => downloadText(fileName, text, 'application/json')} data-testid="consume-download">
                Download job file
              </Button>
              <Button variant="primary" onClick={() => void create()} busy={action.busy === 'create'} data-testid="btn-start-consumer">
                Create and run
              </Button>
            </div>
          </>
        ) : (
          <p className="muted">Choose the sink connection to see the job file.</p>
        )}
        {shown && problems.length > 0 && (
          <p className="field-error" role="alert" data-testid="consume-problems">
            Not ready: {problems.map((p) => p.message).join(' ')}
          </p>
        )}
        <ErrorBanner error={action.error} onDismiss={action.clearError} title="The job was not created" />
      </section>
    </section>
  );
}

function ConnectionSelect({ name, label, options, value, error, onChange }: { name: string; label: string; options: ProfileSummary[]; value: string | null; error: string | undefined; onChange(v: string | null): void }) {
  return (
    <Field name={name} label={label} error={error} hint={options.length === 0 ? 'None saved yet: add one below.' : undefined}>
      {(p) => (
        <select {...p} value={value ?? ''} onChange={(e) => onChange(e.target.value || null)}>
          <option value="">Choose…</option>
          {options.map((o) => (
            <option key={o.profile.name} value={o.profile.name}>
              {o.profile.name} — {o.description}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
