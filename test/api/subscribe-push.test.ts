/**
 * The `subscribe` push of a server API subscribe, as Centrifugo sends it: the subscription tracks
 * its position only where the namespace forces it (`force_recovery`, `force_positioning`), not
 * where it merely allows it; raw frames and the SDK's `subscribed` event.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { ServerSubscribedContext } from 'centrifuge';
import {
  errorCode,
  type RawClient,
  rawConnect,
  startTestNode,
  type TestNode,
  waitFor,
} from '../harness/index.js';
import { Clients } from './helpers.js';

const history = { history_size: 10, history_ttl: '300s' };

describe('server API subscribe: the subscribe push', () => {
  let node: TestNode;
  const clients = new Clients(() => node);
  const raws: RawClient[] = [];
  before(async () => {
    node = await startTestNode({
      channel: {
        namespaces: [
          { name: 'allowed', ...history, allow_recovery: true, allow_positioning: true },
          { name: 'forced', ...history, force_recovery: true },
          { name: 'positioned', ...history, force_positioning: true },
        ],
      },
    });
  });
  afterEach(() => {
    clients.closeAll();
    for (const r of raws.splice(0)) r.close();
  });
  after(() => node.stop());

  async function pushFor(user: string, channel: string): Promise<unknown> {
    const c = await rawConnect(node.wsUrl);
    raws.push(c);
    assert.equal(errorCode(await c.call(1, 'connect', { token: await node.token(user) })), undefined);
    await node.api('subscribe', { user, channel });
    await waitFor(() => c.received.some((m) => m['push'] !== undefined), 'subscribe push');
    return c.received.find((m) => m['push'] !== undefined);
  }

  it('is plain where the namespace only allows recovery and positioning', async () => {
    assert.deepEqual(await pushFor('p1', 'allowed:x'), { push: { channel: 'allowed:x', subscribe: {} } });
  });

  it('is recoverable and positioned, with the epoch, where the namespace forces recovery', async () => {
    const push = (await pushFor('p2', 'forced:x')) as { push: { subscribe: Record<string, unknown> } };
    const { epoch, ...rest } = push.push.subscribe;
    assert.equal(typeof epoch, 'string');
    assert.deepEqual(rest, { recoverable: true, positioned: true });
  });

  it('is positioned without recovery where the namespace forces positioning', async () => {
    const push = (await pushFor('p3', 'positioned:x')) as { push: { subscribe: Record<string, unknown> } };
    assert.deepEqual(Object.keys(push.push.subscribe).sort(), ['epoch', 'positioned']);
  });

  it('the SDK: subscribed events say recoverable only for the forced namespace', async () => {
    const client = await clients.create('p4');
    const got: ServerSubscribedContext[] = [];
    client.on('subscribed', (ctx) => got.push(ctx));
    client.connect();
    await client.ready(3000);
    for (const channel of ['allowed:y', 'forced:y']) await node.api('subscribe', { user: 'p4', channel });
    await waitFor(() => got.filter((s) => s.channel !== '#p4').length === 2, 'two subscribed events');
    const byChannel = new Map(got.map((s) => [s.channel, s]));
    assert.equal(byChannel.get('allowed:y')!.recoverable, false);
    assert.equal(byChannel.get('allowed:y')!.positioned, false);
    assert.equal(byChannel.get('forced:y')!.recoverable, true);
    assert.equal(byChannel.get('forced:y')!.positioned, true);
  });
});
