// The answer of a connection Test: what was reached (server, version, TLS, SSH host key, Kafka cluster),
// or the stage that failed (SSH, network, TLS, authentication, server), the message and the fix.
import type { ConnectionTestResult } from '../../../../shared/profiles';
import { Button } from '../../components/Button';
import { FixText } from '../../components/FixText';
import { KeyValue as Row } from '../../components/KeyValue';
import { STAGE_LABELS } from './profile-form-model';

const FLAVORS: Record<NonNullable<ConnectionTestResult['server']>['flavor'], string> = { mysql: 'MySQL', mariadb: 'MariaDB', postgres: 'PostgreSQL' };

export interface TestResultViewProps {
  result: ConnectionTestResult;
  testId: string;
  /** Offered after a successful test through SSH when the host key is not pinned yet. */
  onPin?: (() => void) | undefined;
}

export function TestResultView({ result, testId, onPin }: TestResultViewProps) {
  if (!result.ok) {
    const stage = result.stage ? STAGE_LABELS[result.stage] : null;
    return (
      <div className="test-result test-fail" role="alert" data-testid={testId} data-ok="false" data-stage={result.stage ?? ''}>
        <p className="test-headline">
          <span aria-hidden="true">✕ </span>
          {stage ? <>Failed at the {stage.toLowerCase()} stage</> : 'The test failed'}
          {stage && <span className="badge badge-error test-stage">{stage}</span>}
        </p>
        <p className="test-message">{result.message}</p>
        <FixText fix={result.fix} />
      </div>
    );
  }
  return (
    <div className="test-result test-ok" role="status" data-testid={testId} data-ok="true">
      <p className="test-headline">
        <span aria-hidden="true">✓ </span>Connection works
      </p>
      <p className="test-message">{result.message}</p>
      <dl className="kv-list">
        {result.server && <Row label="Server">{`${FLAVORS[result.server.flavor]} ${result.server.version}`}</Row>}
        <Row label="TLS">{result.tlsVersion ?? 'not used'}</Row>
        {result.sshHostKey && (
          <Row label="SSH host key">
            <code>{result.sshHostKey}</code>
          </Row>
        )}
        {result.search && (
          <Row label="Search cluster">
            <span data-testid="test-search-flavour">{`${result.search.flavour === 'opensearch' ? 'OpenSearch' : 'Elasticsearch'} ${result.search.version}`}</span>
          </Row>
        )}
        {result.kafka && (
          <Row label="Kafka cluster">
            <code>{result.kafka.clusterId}</code> · {result.kafka.brokers.join(', ')}
          </Row>
        )}
      </dl>
      {onPin && result.sshHostKey && (
        <Button onClick={onPin} data-testid="btn-pin-host-key">
          Pin this host key {result.sshHostKey}
        </Button>
      )}
    </div>
  );
}
