/**
 * Stream recovery over raw sockets, field by field as Centrifugo v6 answers it: a missing epoch means
 * any epoch (the SDKs leave out an empty one), a recovered reply echoes the client's offset, history
 * access grants `recoverable` and `positioned`, every recoverable subscription is `positioned`, false
 * and zero fields are left out, `was_recovering` echoes `recover`, and the publication with offset 1
 * carries its stream's epoch.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { startTestNode, type TestNode } from '../harness/node.js';
import { errorCode, type RawClient, rawConnect } from '../harness/raw-client.js';

const HISTORY = { history_size: 10, history_ttl: '300s' };
const namespaces = [
  { name: 'rec', ...HISTORY, force_recovery: true },
  // Recovery and positioning only through history access, as in Centrifugo's `hasAccessToHistory`.
  { name: 'readable', ...HISTORY, allow_history_for_client: true },
  { name: 'closed', ...HISTORY },
  { name: 'plain' },
];

type Json = Record<string, unknown>;

describe('recovery fields', () => {
  let node: TestNode;
  const clients: RawClient[] = [];
  before(async () => {
    node = await startTestNode({
      channel: { namespaces },
      client: { subscribe_to_user_personal_channel: { enabled: false } },
    });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.ws.terminate();
  });
  after(() => node.stop());

  async function connected(user = 'alice'): Promise<RawClient> {
    const c = await rawConnect(node.wsUrl);
    clients.push(c);
    const reply = await c.call(1, 'connect', { token: await node.token(user) });
    assert.ok(reply['connect'], JSON.stringify(reply));
    return c;
  }

  async function publish(channel: string, count: number): Promise<void> {
    for (let n = 1; n <= count; n++) await node.api('publish', { channel, data: { n } });
  }

  async function subscribe(params: Json): Promise<Json> {
    const c = await connected();
    return c.call(2, 'subscribe', params);
  }

  it('recovers without epoch: recovered with both publications, also with flag 2', async () => {
    await publish('rec:x', 2);
    const reply = await subscribe({ channel: 'rec:x', recover: true, flag: 2 });
    const result = reply['subscribe'] as Json;
    assert.ok(result, JSON.stringify(reply));
    assert.equal(result['recovered'], true);
    assert.equal(result['was_recovering'], true);
    assert.equal('offset' in result, false, 'the client sent offset 0: none in the reply');
    const pubs = result['publications'] as Json[];
    assert.deepEqual(
      pubs.map((p) => [p['data'], p['offset']]),
      [
        [{ n: 1 }, 1],
        [{ n: 2 }, 2],
      ],
    );
    assert.equal(pubs[0]!['epoch'], result['epoch'], 'offset 1 carries the epoch');
    assert.equal('epoch' in pubs[1]!, false);
  });

  it('recovers from an offset without epoch; echoes that offset, the publications move it on', async () => {
    await publish('rec:y', 5);
    const reply = await subscribe({ channel: 'rec:y', recover: true, offset: 3 });
    const result = reply['subscribe'] as Json;
    assert.equal(result['recovered'], true);
    assert.equal(result['offset'], 3);
    assert.deepEqual(
      (result['publications'] as Json[]).map((p) => p['offset']),
      [4, 5],
    );
  });

  it('a wrong epoch: no recovered field, the top offset; 112 with flag 2', async () => {
    await publish('rec:z', 3);
    const result = (await subscribe({ channel: 'rec:z', recover: true, epoch: 'nope', offset: 1 }))[
      'subscribe'
    ] as Json;
    assert.deepEqual(Object.keys(result).sort(), [
      'epoch',
      'offset',
      'positioned',
      'recoverable',
      'was_recovering',
    ]);
    assert.equal(result['offset'], 3);
    const refused = await subscribe({ channel: 'rec:z', recover: true, epoch: 'nope', offset: 1, flag: 2 });
    assert.equal(errorCode(refused), 112);
  });

  it('an empty recoverable channel: positioned, no offset 0', async () => {
    const result = (await subscribe({ channel: 'rec:empty' }))['subscribe'] as Json;
    assert.deepEqual(Object.keys(result).sort(), ['epoch', 'positioned', 'recoverable']);
  });

  it('history access grants recoverable and positioned on request', async () => {
    const recoverable = (await subscribe({ channel: 'readable:a', recoverable: true }))['subscribe'] as Json;
    assert.equal(recoverable['recoverable'], true);
    assert.equal(recoverable['positioned'], true);
    const positioned = (await subscribe({ channel: 'readable:b', positioned: true }))['subscribe'] as Json;
    assert.equal(positioned['positioned'], true);
    assert.equal('recoverable' in positioned, false);
    const neither = (await subscribe({ channel: 'closed:c', recoverable: true, positioned: true }))[
      'subscribe'
    ] as Json;
    assert.deepEqual(neither, {});
  });

  it('was_recovering echoes recover where nothing is recoverable', async () => {
    const reply = await subscribe({ channel: 'plain:p', recover: true, epoch: 'x', offset: 1 });
    assert.deepEqual(reply['subscribe'], { was_recovering: true });
  });

  it('the publication with offset 1 carries the epoch in pushes and history, later ones do not', async () => {
    const c = await connected();
    const sub = (await c.call(2, 'subscribe', { channel: 'readable:first', positioned: true }))[
      'subscribe'
    ] as Json;
    await publish('readable:first', 2);
    const deadline = Date.now() + 3000;
    const pushes = () => c.received.filter((m) => (m['push'] as Json | undefined)?.['pub'] !== undefined);
    while (pushes().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const pubs = pushes().map((m) => (m['push'] as Json)['pub'] as Json);
    assert.deepEqual(pubs, [
      { data: { n: 1 }, offset: 1, epoch: sub['epoch'] },
      { data: { n: 2 }, offset: 2 },
    ]);
    const reply = await c.call(3, 'history', { channel: 'readable:first', limit: -1 });
    assert.deepEqual((reply['history'] as Json)['publications'], pubs);
    const history = await node.api('history', { channel: 'readable:first', limit: -1 });
    const apiPubs = (history.body['result'] as { publications: Json[] }).publications;
    assert.equal('epoch' in apiPubs[0]!, false, 'the server API publication has no epoch field');
  });
});
