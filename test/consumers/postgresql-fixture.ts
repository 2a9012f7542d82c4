/**
 * What the postgresql consumer suites share: the outbox table in Centrifugo's shape with the NOTIFY
 * trigger the docs give, rows that publish numbered messages, node configs (Redis engine, a
 * recoverable namespace, the consumer), SDK subscribers that record every publication, and the
 * checks "exactly once, in order".
 */
import assert from 'node:assert/strict';
import type { Centrifuge } from 'centrifuge';
import { type NodeProcess, type TestScope, token } from '../harness/index.js';
import type { PostgresServer } from '../harness/postgres.js';

export const NAMESPACE = 'feed';
export const NOTIFY_CHANNEL = 'outbox_wakeup';

/** The outbox table (payload `jsonb` as Centrifugo's, or `text`), its index and NOTIFY trigger. */
export async function createOutbox(db: PostgresServer, table: string, payload = 'jsonb'): Promise<void> {
  await db.query(`CREATE TABLE ${table} (
    id bigserial PRIMARY KEY,
    method text NOT NULL,
    payload ${payload} NOT NULL,
    partition bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
  )`);
  await db.query(`CREATE INDEX ${table}_partition_id ON ${table} (partition, id)`);
  await db.query(`CREATE OR REPLACE FUNCTION ${table}_notify() RETURNS trigger AS $$
    BEGIN PERFORM pg_notify('${NOTIFY_CHANNEL}', NEW.partition::text); RETURN NEW; END $$ LANGUAGE plpgsql`);
  await db.query(`CREATE TRIGGER ${table}_notify AFTER INSERT ON ${table}
    FOR EACH ROW EXECUTE FUNCTION ${table}_notify()`);
}

/** The channel partition `p`'s messages are published to. */
export function channelOf(prefix: string, partition: number): string {
  return `${NAMESPACE}:${prefix}-p${partition}`;
}

/**
 * Inserts, in one transaction, messages `from`…`to - 1` of every partition (interleaved), each a
 * `publish` of `{seq}` into its partition's channel.
 */
export async function insertMessages(
  db: PostgresServer,
  table: string,
  prefix: string,
  partitions: number,
  from: number,
  to: number,
): Promise<void> {
  await db.query(
    `INSERT INTO ${table} (method, payload, partition)
     SELECT 'publish', jsonb_build_object('channel', $1 || '-p' || p, 'data', jsonb_build_object('seq', s)), p
     FROM generate_series($2::int, $3::int - 1) AS s, generate_series(0, $4::int - 1) AS p
     ORDER BY s, p`,
    [`${NAMESPACE}:${prefix}`, from, to, partitions],
  );
}

/** The consumer entry for `table` (Centrifugo's keys), `overrides` merged into its section. */
export function consumer(
  name: string,
  dsn: string,
  table: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name,
    enabled: true,
    type: 'postgresql',
    postgresql: {
      dsn,
      outbox_table_name: table,
      num_partitions: 2,
      partition_select_limit: 20,
      partition_poll_interval: '300ms',
      partition_notification_channel: NOTIFY_CHANNEL,
      lag_interval: '1s',
      ...overrides,
    },
  };
}

/** A node on the Redis engine with a recoverable namespace and the given consumers. */
export function nodeConfig(redisUrl: string, consumers: Record<string, unknown>[]): Record<string, unknown> {
  return {
    engine: { redis: { address: redisUrl, command_timeout: '1s' } },
    // A client back after its node's restart recovers everything it missed.
    client: { recovery_max_publication_limit: 10_000 },
    channel: {
      namespaces: [{ name: NAMESPACE, history_size: 10_000, history_ttl: '1h', force_recovery: true }],
    },
    consumers,
  };
}

/** An SDK client on `node` subscribed to `channels`, recording each channel's `seq` values. */
export interface Subscriber {
  readonly client: Centrifuge;
  /** Per channel, the `seq` of every publication received, in arrival order. */
  readonly seqs: Map<string, number[]>;
}

export async function subscribe(t: TestScope, node: NodeProcess, channels: string[]): Promise<Subscriber> {
  const client = t.sdk(node.wsUrl, { token: await token('reader') });
  const seqs = new Map<string, number[]>();
  const subscribed: Promise<void>[] = [];
  for (const channel of channels) {
    const sub = client.newSubscription(channel);
    const list: number[] = [];
    seqs.set(channel, list);
    sub.on('publication', (ctx) => list.push((ctx.data as { seq: number }).seq));
    subscribed.push(new Promise((resolve) => sub.once('subscribed', () => resolve())));
    sub.subscribe();
  }
  client.connect();
  await Promise.all(subscribed);
  return { client, seqs };
}

/** How many publications `s` has of `channel`. */
export function received(s: Subscriber, channel: string): number {
  return s.seqs.get(channel)?.length ?? 0;
}

/** Asserts `s` got exactly `0…count-1` on `channel`, each once, in order. */
export function assertExactlyOnceInOrder(s: Subscriber, channel: string, count: number, who: string): void {
  const seqs = s.seqs.get(channel) ?? [];
  const expected = Array.from({ length: count }, (_, i) => i);
  if (seqs.length === count && seqs.every((v, i) => v === i)) return;
  const dupes = seqs.length - new Set(seqs).size;
  const missing = expected.filter((v) => !seqs.includes(v));
  const at = seqs.findIndex((v, i) => v !== i);
  assert.fail(
    `${who} on ${channel}: ${seqs.length} publications, ${dupes} duplicates, missing [${missing.slice(0, 10).join(',')}]` +
      `, first out of order at ${at}: [${seqs.slice(Math.max(0, at - 3), at + 7).join(',')}]`,
  );
}

/** The `switchboard_consumer_messages_total` of `consumer` with `result` on `node`. */
export async function consumerCount(node: NodeProcess, consumer: string, result: string): Promise<number> {
  const text = await (await fetch(`${node.baseUrl}/metrics`)).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('switchboard_consumer_messages_total{') &&
        l.includes(`consumer="${consumer}"`) &&
        l.includes(`result="${result}"`),
    );
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

/** The node's `/ready`: status and reason. */
export async function readiness(node: NodeProcess): Promise<{ status: number; reason: string | undefined }> {
  const res = await fetch(`${node.baseUrl}/ready`);
  const body = (await res.json()) as { reason?: string };
  return { status: res.status, reason: body.reason };
}

/**
 * A producer committing `perTransaction` messages per partition every `intervalMs`, from `from`
 * (default 0) up to `total`.
 */
export interface Producer {
  readonly done: Promise<void>;
  /** How many messages per partition are committed so far. */
  committed(): number;
}

export function produce(
  db: PostgresServer,
  table: string,
  prefix: string,
  partitions: number,
  total: number,
  perTransaction: number,
  intervalMs: number,
  from = 0,
): Producer {
  let committed = from;
  const done = (async () => {
    while (committed < total) {
      const to = Math.min(total, committed + perTransaction);
      await insertMessages(db, table, prefix, partitions, committed, to);
      committed = to;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return { done, committed: () => committed };
}
