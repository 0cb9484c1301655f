import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { ApiError, type KafkaTopicSample } from '../../../../../shared/api';
import { axeViolations } from '../../../widgets/axe';
import { fakeApi } from '../../__tests__/fake-api';
import { kafkaProfile, mysqlProfile, profileSummary } from '../../__tests__/fixtures';
import { ConnectionsView } from '../../connections/ConnectionsView';
import { ConsumeView } from '../ConsumeView';

afterEach(cleanup);

const TOPICS = [
  { name: 'cutover.shop.orders', partitions: 3, messages: 1500, internal: false },
  { name: 'empty', partitions: 1, messages: 0, internal: false },
  { name: '__consumer_offsets', partitions: 50, messages: 12, internal: true },
];

const SAMPLE: KafkaTopicSample = {
  topic: 'cutover.shop.orders',
  partition: 2,
  offset: '499',
  key: '{"id":18446744073709551615}',
  value: '{"schema":{"type":"struct"},"payload":{"before":null,"after":{"id":18446744073709551615,"n":"12.50"},"source":{"db":"shop","table":"orders"},"op":"c"}}',
  bytes: 140,
  timestamp: Date.UTC(2026, 11, 1),
  format: 'debezium',
  envelope: true,
  table: 'shop.orders',
  kind: 'a row change (op "c")',
};

const profiles = () => [profileSummary(kafkaProfile('bus')), profileSummary(mysqlProfile('target'))];

describe('the topics of a Kafka connection', () => {
  it('lists the cluster topics (internal ones hidden) and shows a message with its detected format; passes an axe check', async () => {
    const fake = fakeApi({ listProfiles: profiles, kafkaTopics: () => TOPICS, kafkaTopicSample: () => SAMPLE });
    const { container } = render(<ConnectionsView api={fake.api} />);
    // A server connection offers no topics; the Kafka one does.
    await screen.findByTestId('profile-row-target');
    expect(screen.queryByTestId('profile-topics-target')).toBeNull();
    fireEvent.click(screen.getByTestId('profile-topics-bus'));
    const row = await screen.findByTestId('topic-row-cutover.shop.orders');
    expect(row.textContent).toContain('3');
    expect(row.textContent).toContain('1,500');
    expect(screen.queryByTestId('topic-row-__consumer_offsets')).toBeNull();
    expect(screen.getByTestId('topic-count').textContent).toBe('2 topic(s), 1 internal hidden');
    expect((screen.getByTestId('topic-sample-empty') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId('topic-sample-cutover.shop.orders'));
    const sample = await screen.findByTestId('topic-sample');
    expect(fake.callsOf('kafkaTopicSample')).toEqual([['bus', 'cutover.shop.orders']]);
    expect(sample.getAttribute('data-format')).toBe('debezium');
    expect(screen.getByTestId('sample-format').textContent).toBe('Debezium, with the JSON schema envelope (schemas.enable=true)');
    expect(screen.getByTestId('sample-table').textContent).toBe('shop.orders');
    // The value indented, its big number kept to the last digit.
    expect(screen.getByTestId('sample-value').textContent).toContain('"id": 18446744073709551615');
    expect(screen.getByTestId('btn-consume').getAttribute('href')).toBe('#/consume/bus');
    expect(await axeViolations(container)).toEqual([]);
  });

  it('says why the topics cannot be listed', async () => {
    const fake = fakeApi({ listProfiles: profiles, kafkaTopics: () => Promise.reject(new ApiError('Listing the Kafka topics failed: no broker answered.', 'Check that the brokers run.', 'UNREACHABLE')) });
    render(<ConnectionsView api={fake.api} />);
    fireEvent.click(await screen.findByTestId('profile-topics-bus'));
    await waitFor(() => expect(screen.getByTestId('connection-topics').textContent).toContain('no broker answered'));
  });
});

describe('ConsumeView', () => {
  it('picks topics, takes the detected format, and writes the job file the CLI runs; creates and starts the job', async () => {
    const fake = fakeApi({
      listProfiles: profiles,
      listJobs: () => [],
      info: () => ({ version: '0', statePath: '/data/state.db', shell: 'web', demo: { available: false, reason: null, job: null } }),
      kafkaTopics: () => TOPICS,
      kafkaTopicSample: () => SAMPLE,
      openJob: () => ({ name: 'orders-consumer' }),
      start: () => undefined,
    });
    const { container } = render(<ConsumeView api={fake.api} profile="bus" />);
    await screen.findByTestId('topic-row-cutover.shop.orders');
    expect((screen.getByTestId('field-source') as HTMLSelectElement).value).toBe('bus');
    // Only sinks that store partition offsets with the rows are offered.
    const sinkOptions = within(screen.getByTestId('field-sink')).getAllByRole('option').map((o) => (o as HTMLOptionElement).value);
    expect(sinkOptions).toEqual(['', 'target']);
    // Not ready: says what is missing.
    fireEvent.change(screen.getByTestId('field-sink'), { target: { value: 'target' } });
    fireEvent.click(await screen.findByTestId('btn-start-consumer'));
    expect(screen.getByTestId('consume-problems').textContent).toContain('Choose at least one topic.');
    expect(fake.callsOf('openJob')).toEqual([]);

    fireEvent.click(screen.getByTestId('topic-check-cutover.shop.orders'));
    fireEvent.click(screen.getByTestId('topic-sample-cutover.shop.orders'));
    await screen.findByTestId('consume-detected');
    expect((screen.getByTestId('field-format-debezium') as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByTestId('field-start-timestamp'));
    fireEvent.change(screen.getByTestId('field-timestamp'), { target: { value: '2026-12-01T00:00' } });
    fireEvent.change(screen.getByTestId('field-include'), { target: { value: 'shop.*' } });
    fireEvent.change(screen.getByTestId('field-name'), { target: { value: 'orders-consumer' } });
    const file = JSON.parse(screen.getByTestId('consume-json').textContent ?? '');
    expect(file).toEqual({
      name: 'orders-consumer',
      source: { type: 'kafka', profile: 'bus', topics: ['cutover.shop.orders'], format: 'debezium', group: 'cutover-orders-consumer', start: { timestamp: '2026-12-01T00:00:00Z' } },
      sink: { type: 'mysql', profile: 'target' },
      tables: { include: ['shop.*'] },
      mode: 'stream',
    });
    await waitFor(() => expect(screen.getByTestId('consume-command').textContent).toBe('cutover run orders-consumer.json --state /data/state.db'));
    expect(await axeViolations(container)).toEqual([]);

    fireEvent.click(screen.getByTestId('btn-start-consumer'));
    await waitFor(() => expect(fake.callsOf('start')).toEqual([['orders-consumer']]));
    const [[opened]] = fake.callsOf('openJob') as [[{ text: string; fileName: string }]];
    expect(JSON.parse(opened.text)).toEqual(file);
    expect(opened.fileName).toBe('orders-consumer.json');
    await waitFor(() => expect(window.location.hash).toBe('#/jobs/orders-consumer'));
  });

  it('keeps a format the operator chose over the detected one, and says they differ', async () => {
    const fake = fakeApi({ listProfiles: profiles, listJobs: () => [], info: () => Promise.reject(new ApiError('x', null, 'X')), kafkaTopics: () => TOPICS, kafkaTopicSample: () => SAMPLE });
    render(<ConsumeView api={fake.api} profile="bus" />);
    await screen.findByTestId('topic-row-cutover.shop.orders');
    fireEvent.click(screen.getByTestId('field-format-canal'));
    fireEvent.click(screen.getByTestId('topic-sample-cutover.shop.orders'));
    expect((await screen.findByTestId('consume-detected')).textContent).toContain('differs');
    expect((screen.getByTestId('field-format-canal') as HTMLInputElement).checked).toBe(true);
  });
});
