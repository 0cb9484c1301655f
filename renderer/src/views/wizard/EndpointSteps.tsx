// The Source and Sink steps: which saved connection the data comes from and goes to (or a new one).
import type { ProfileSummary } from '../../../../shared/profiles';
import { sinkIsSource, sinkKind } from '../../../../shared/wizard';
import { endpointUi, profileKinds } from '../../endpoints/registry';
import { useSinkKinds } from '../../sink-kinds';
import { ProfilePicker } from './ProfilePicker';
import { routeHash } from '../route';
import type { StepProps } from './step-props';
import type { Role, ServerChecks } from './useServerChecks';

interface EndpointProps extends StepProps {
  profiles: readonly ProfileSummary[] | undefined;
  checks: ServerChecks;
  onProfileSaved(saved: ProfileSummary): void;
}

const ENDPOINTS: Record<Role, { title: string; text: string; label: string }> = {
  source: {
    title: 'Where is the data now?',
    text: 'The MySQL or MariaDB server to copy from. Cutover reads it without locking it, then follows its binlog.',
    label: 'Source connection',
  },
  sink: {
    title: 'Where should it go?',
    text: 'Another MySQL or MariaDB server (tables are created there), a PostgreSQL database (a schema per source database, types translated), or a Kafka cluster (one topic per table, keyed by primary key).',
    label: 'Sink connection',
  },
};

function EndpointStep({ role, api, draft, update, errors, ctx, profiles, checks, onProfileSaved }: EndpointProps & { role: Role }) {
  const e = ENDPOINTS[role];
  const choose = (profile: string | null) => update((d) => ({ ...d, [role]: { profile } }));
  const kind = role === 'sink' ? sinkKind(draft, ctx) : null;
  const sinkKinds = useSinkKinds(api);
  // A sink can be any kind the engine writes to and the dashboard has a form for; a source, a kind whose
  // saved connections are servers the wizard copies and streams from (the engine's `sourceServer`: none
  // is known if the engine could not be asked).
  const engineKinds = role === 'source' ? (sinkKinds.list ?? []).filter((k) => k.sourceServer) : sinkKinds.list;
  const kinds = (engineKinds?.map((k) => k.kind) ?? profileKinds()).filter((k) => endpointUi(k));
  const note = endpointUi(kind)?.sinkNote;
  return (
    <section className="wizard-step" aria-labelledby="step-title" data-testid={`wizard-panel-${role}`}>
      <h2 id="step-title" className="step-title">
        {e.title}
      </h2>
      <p className="muted">{e.text}</p>
      <ProfilePicker
        api={api}
        role={role}
        label={e.label}
        kinds={kinds}
        profiles={profiles}
        value={draft[role].profile}
        onChange={choose}
        error={errors.get(`${role}.profile`)}
        checks={checks}
        onSaved={(saved) => {
          onProfileSaved(saved);
          choose(saved.profile.name);
        }}
      />
      {role === 'source' && (
        <p className="small muted" data-testid="source-kafka-note">
          Reading Kafka topics of Debezium, Canal or Maxwell messages instead?{' '}
          <a href={routeHash({ view: 'consume', profile: null })} data-testid="link-consume">
            Set up a Kafka consumer job
          </a>
          .
        </p>
      )}
      {role === 'sink' && sinkIsSource(draft, ctx) && (
        <p className="small text-warn" data-testid="sink-is-source">
          This is the source server itself: in the next step (Mapping) give each database a new name, so that no table is copied onto itself.
        </p>
      )}
      {note && (
        <p className="small muted" data-testid="sink-kind">
          {note}
        </p>
      )}
    </section>
  );
}

export const SourceStep = (p: EndpointProps) => <EndpointStep role="source" {...p} />;
export const SinkStep = (p: EndpointProps) => <EndpointStep role="sink" {...p} />;
