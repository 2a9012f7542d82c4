/**
 * Channel permissions per namespace over real connections: one namespace per option, every action
 * (subscribe, publish, presence, presence_stats, history) by three actors:
 *   S: an authenticated user subscribed to the channel (server-side, through the token's `channels`,
 *      so it is subscribed even where client subscribe is refused);
 *   U: an authenticated user not subscribed;
 *   A: an anonymous connection, not subscribed;
 *   N: an anonymous connection subscribed server-side (its token has `channels` but no `sub`).
 * Every cell not listed as allowed must be refused with 103 (108 where the feature is off).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signToken } from '../../src/auth/token-signer.js';
import { startTestNode, TEST_SECRET, type TestNode } from '../harness/node.js';
import type { RawClient } from '../harness/raw-client.js';
import { connectOutcome, outcomeOf } from './outcome.js';

type Actor = 'S' | 'U' | 'A' | 'N';
type Action = 'subscribe' | 'publish' | 'presence' | 'presence_stats' | 'history';
type Cell = `${Actor}.${Action}`;

const CELLS: Cell[] = [
  'U.subscribe',
  'A.subscribe',
  ...(['S', 'U', 'A', 'N'] as const).flatMap((actor) =>
    (['publish', 'presence', 'presence_stats', 'history'] as const).map(
      (action): Cell => `${actor}.${action}`,
    ),
  ),
];

/** Presence and history on, everything refused: each row turns on what it tests. */
const CLOSED = {
  allow_subscribe_for_client: false,
  presence: true,
  history_size: 10,
  history_ttl: '60s',
};

interface Row {
  ns: string;
  options: Record<string, unknown>;
  allowed: Cell[];
  /** Cells answered 108 (not available) instead of 103. */
  unavailable?: Cell[];
}

const presenceCells: Cell[] = [
  'S.presence',
  'S.presence_stats',
  'U.presence',
  'U.presence_stats',
  'A.presence',
  'A.presence_stats',
  'N.presence',
  'N.presence_stats',
];
const historyCells: Cell[] = ['S.history', 'U.history', 'A.history', 'N.history'];

const TABLE: Row[] = [
  { ns: 'closed', options: {}, allowed: [] },
  { ns: 'sub-client', options: { allow_subscribe_for_client: true }, allowed: ['U.subscribe'] },
  // As in Centrifugo, an `_for_anonymous` option adds anonymous users to what the `_for_client`
  // option grants, and grants nothing alone.
  {
    ns: 'sub-anon',
    options: { allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true },
    allowed: ['U.subscribe', 'A.subscribe'],
  },
  { ns: 'sub-anon-alone', options: { allow_subscribe_for_anonymous: true }, allowed: [] },
  { ns: 'pub-client', options: { allow_publish_for_client: true }, allowed: ['S.publish', 'U.publish'] },
  { ns: 'pub-subscriber', options: { allow_publish_for_subscriber: true }, allowed: ['S.publish'] },
  {
    ns: 'pub-anon',
    options: { allow_publish_for_client: true, allow_publish_for_anonymous: true },
    allowed: ['S.publish', 'U.publish', 'A.publish', 'N.publish'],
  },
  {
    ns: 'pub-anon-subscriber',
    options: { allow_publish_for_subscriber: true, allow_publish_for_anonymous: true },
    allowed: ['S.publish', 'N.publish'],
  },
  { ns: 'pub-anon-alone', options: { allow_publish_for_anonymous: true }, allowed: [] },
  {
    ns: 'presence-subscriber',
    options: { allow_presence_for_subscriber: true },
    allowed: ['S.presence', 'S.presence_stats'],
  },
  {
    ns: 'presence-client',
    options: { allow_presence_for_client: true },
    allowed: ['S.presence', 'S.presence_stats', 'U.presence', 'U.presence_stats'],
  },
  {
    ns: 'presence-anon-subscriber',
    options: { allow_presence_for_subscriber: true, allow_presence_for_anonymous: true },
    allowed: ['S.presence', 'S.presence_stats', 'N.presence', 'N.presence_stats'],
  },
  {
    ns: 'presence-anon-client',
    options: { allow_presence_for_client: true, allow_presence_for_anonymous: true },
    allowed: presenceCells,
  },
  { ns: 'presence-anon-alone', options: { allow_presence_for_anonymous: true }, allowed: [] },
  { ns: 'history-subscriber', options: { allow_history_for_subscriber: true }, allowed: ['S.history'] },
  { ns: 'history-client', options: { allow_history_for_client: true }, allowed: ['S.history', 'U.history'] },
  {
    ns: 'history-anon-subscriber',
    options: { allow_history_for_subscriber: true, allow_history_for_anonymous: true },
    allowed: ['S.history', 'N.history'],
  },
  {
    ns: 'history-anon-client',
    options: { allow_history_for_client: true, allow_history_for_anonymous: true },
    allowed: historyCells,
  },
  { ns: 'history-anon-alone', options: { allow_history_for_anonymous: true }, allowed: [] },
  {
    ns: 'no-presence',
    options: { presence: false, allow_presence_for_subscriber: true, allow_presence_for_client: true },
    allowed: [],
    unavailable: presenceCells,
  },
  {
    ns: 'no-history',
    options: {
      history_size: 0,
      history_ttl: '0s',
      allow_history_for_subscriber: true,
      allow_history_for_client: true,
    },
    allowed: [],
    unavailable: historyCells,
  },
];

const channelOf = (row: Row): string => `${row.ns}:room`;

function paramsFor(action: Action, channel: string): Record<string, unknown> {
  if (action === 'publish') return { channel, data: { probe: true } };
  if (action === 'history') return { channel, limit: 1 };
  return { channel };
}

describe('namespace permissions, table-driven over real connections', () => {
  let node: TestNode;
  const clients = new Map<Actor, RawClient>();
  let nextId = 10;

  before(async () => {
    node = await startTestNode({
      client: {
        allow_anonymous_connect_without_token: true,
        subscribe_to_user_personal_channel: { enabled: false },
      },
      channel: { namespaces: TABLE.map((row) => ({ name: row.ns, ...CLOSED, ...row.options })) },
    });
    const connect = async (actor: Actor, token: string | undefined): Promise<void> => {
      const { outcome, client } = await connectOutcome(node.wsUrl, token);
      assert.equal(outcome, 'ok', `${actor} connects`);
      clients.set(actor, client);
    };
    await connect('S', await node.token('subscriber', { channels: TABLE.map(channelOf) }));
    await connect('U', await node.token('user'));
    await connect('A', undefined);
    // No `sub`: the anonymous user, as in Centrifugo, subscribed by the token's channels.
    await connect('N', await signToken({ channels: TABLE.map(channelOf) }, TEST_SECRET));
  });
  after(async () => {
    for (const c of clients.values()) c.ws.terminate();
    await node.stop();
  });

  it('subscribes S and N to every namespace server-side', () => {
    const gateway = node.app.node;
    assert.equal(gateway.hub.numSubscriptions, 2 * TABLE.length);
  });

  for (const row of TABLE) {
    it(`${row.ns}: allows ${row.allowed.join(', ') || 'nothing'}`, async () => {
      const channel = channelOf(row);
      const got: Record<string, string> = {};
      const want: Record<string, string> = {};
      for (const cell of CELLS) {
        const [actor, action] = cell.split('.') as [Actor, Action];
        const client = clients.get(actor)!;
        const id = nextId++;
        got[cell] = await outcomeOf(client, id, action, paramsFor(action, channel));
        if (action === 'subscribe' && got[cell] === 'ok') {
          await outcomeOf(client, nextId++, 'unsubscribe', { channel });
        }
        want[cell] = row.allowed.includes(cell)
          ? 'ok'
          : row.unavailable?.includes(cell)
            ? 'error 108'
            : 'error 103';
      }
      assert.deepEqual(got, want);
    });
  }
});
