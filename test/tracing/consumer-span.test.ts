/**
 * A span per consumed message (`opentelemetry.consuming`), with a real Redis stream as the queue:
 * an entry carrying a `traceparent` field continues that trace (as a RabbitMQ message carrying it in
 * its AMQP headers does, on a real RabbitMQ), one without starts a new one, a
 * entry whose params cannot be used has an error span; with `consuming` off no span is made.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Redis } from 'ioredis';
import { setup, type TestScope, waitFor } from '../harness/index.js';
import { amqpClient, startRabbitmq } from '../harness/rabbitmq.js';
import { scrape } from '../metrics/scrape.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';

async function consumingNode(t: TestScope, consuming: boolean) {
  const queue = await t.redis();
  const producer = t.defer(new Redis(queue.url), (c) => c.disconnect());
  const exporter = new InMemorySpanExporter();
  const node = await t.node(
    {
      opentelemetry: { enabled: true, consuming },
      consumers: [
        {
          name: 'orders',
          enabled: true,
          type: 'redis_stream',
          // A short lease, so the node takes the stream within a second or two.
          redis_stream: {
            address: queue.url,
            streams: ['orders'],
            consumer_group: 'switchboard',
            visibility_timeout: '2s',
          },
        },
      ],
    },
    { spanExporter: exporter },
  );
  return { node, producer, spans: (): ReadableSpan[] => exporter.getFinishedSpans() };
}

const publish = (n: number): string[] => [
  'method',
  'publish',
  'payload',
  JSON.stringify({ channel: 'orders', data: { n } }),
];

describe('tracing: consumers', () => {
  it('a stream entry with traceparent continues its trace; one without starts a trace; unusable params are an error', async () => {
    await using t = setup();
    const { producer, spans } = await consumingNode(t, true);
    await producer.xadd('orders', '*', ...publish(1), 'traceparent', `00-${TRACE}-${PARENT}-01`);
    await producer.xadd('orders', '*', ...publish(2));
    // Its params are not JSON: refused by the applier, so it goes to dead letters within its span.
    await producer.xadd('orders', '*', 'method', 'publish', 'payload', 'not json');
    await waitFor(() => spans().length === 3, 'three consumer spans', 15_000);
    // The batch's entries are applied together: their spans end in any order.
    const traced = spans().find((s) => s.parentSpanContext !== undefined);
    const poison = spans().find((s) => s.attributes['switchboard.consumer.outcome'] === 'dead');
    const fresh = spans().find((s) => s !== traced && s !== poison);
    assert.ok(traced && poison && fresh);
    assert.equal(spans().filter((s) => s.parentSpanContext !== undefined).length, 1);
    assert.equal(traced.name, 'consume orders');
    assert.equal(traced.kind, SpanKind.CONSUMER);
    assert.equal(traced.spanContext().traceId, TRACE);
    assert.equal(traced.parentSpanContext?.spanId, PARENT);
    assert.equal(traced.attributes['switchboard.consumer.name'], 'orders');
    assert.equal(traced.attributes['switchboard.consumer.outcome'], 'applied');
    assert.equal(traced.attributes['switchboard.api.method'], 'publish');
    assert.match(String(traced.attributes['messaging.message.id']), /^orders:\d+-\d+$/);
    assert.equal(fresh.parentSpanContext, undefined);
    assert.notEqual(fresh.spanContext().traceId, TRACE);
    assert.equal(poison.attributes['switchboard.consumer.outcome'], 'dead');
    assert.equal(poison.status.code, SpanStatusCode.ERROR);
  });

  it('opentelemetry.consuming off: messages are applied without spans', async () => {
    await using t = setup();
    const { node, producer, spans } = await consumingNode(t, false);
    await producer.xadd('orders', '*', ...publish(1), 'traceparent', `00-${TRACE}-${PARENT}-01`);
    await waitFor(
      async () =>
        (await scrape(node.baseUrl)).count('switchboard_consumer_messages_total', {
          consumer: 'orders',
          result: 'applied',
        }) === 1,
      'the entry to be applied',
      15_000,
    );
    assert.equal(spans().length, 0);
  });

  it('a RabbitMQ message with traceparent and tracestate headers continues its trace', async () => {
    await using t = setup();
    const broker = t.defer(await startRabbitmq(), (b) => b.stop());
    const amqp = t.defer(await amqpClient(broker.url), (c) => c.close());
    const exporter = new InMemorySpanExporter();
    await t.node(
      {
        opentelemetry: { enabled: true, consuming: true },
        consumers: [
          {
            name: 'jobs',
            enabled: true,
            type: 'rabbitmq',
            rabbitmq: { url: broker.url, queue: 'jobs', declare_queue: true },
          },
        ],
      },
      { spanExporter: exporter },
    );
    await waitFor(async () => (await amqp.consumers('jobs')) === 1, 'the consumer on its queue', 15_000);
    const body = JSON.stringify({ method: 'publish', payload: { channel: 'jobs', data: { n: 1 } } });
    await amqp.send('jobs', [body], {
      headers: { traceparent: `00-${TRACE}-${PARENT}-01`, tracestate: 'vendor=1' },
    });
    await waitFor(() => exporter.getFinishedSpans().length === 1, 'the consumer span', 15_000);
    const [span] = exporter.getFinishedSpans();
    assert.equal(span!.name, 'consume jobs');
    assert.equal(span!.spanContext().traceId, TRACE);
    assert.equal(span!.parentSpanContext?.spanId, PARENT);
    assert.equal(span!.spanContext().traceState?.get('vendor'), '1');
    assert.equal(span!.attributes['switchboard.consumer.outcome'], 'applied');
  });
});
