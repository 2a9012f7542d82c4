/**
 * JSON and Protobuf subscribers in one channel, with the official JS SDK's two builds. Publication
 * data is bytes in Protobuf and never re-encoded: JSON data reaches Protobuf clients as its UTF-8
 * text, and a Protobuf client's bytes that are a JSON document reach JSON clients as that value.
 * Bytes that are not JSON (from a Protobuf client, or the server API's `b64data`) reach Protobuf
 * clients unchanged and JSON clients as a JSON string holding their base64, so a JSON client's
 * frames stay valid JSON (Centrifugo would splice the raw bytes in). History reads agree.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Centrifuge as JsonCentrifuge, type Subscription } from 'centrifuge';
import { Centrifuge as ProtobufCentrifuge } from 'centrifuge/build/protobuf';
import WebSocket from 'ws';
import { startTestNode, type TestNode } from '../harness/node.js';
import { waitFor } from '../harness/wait.js';

const namespaces = [
  {
    name: 'mix',
    history_size: 50,
    history_ttl: '300s',
    allow_publish_for_subscriber: true,
    allow_history_for_subscriber: true,
  },
];

const BINARY = Uint8Array.from([0, 1, 2, 255, 254, 10]);

describe('JSON and Protobuf subscribers in one channel', () => {
  let node: TestNode;
  let json: JsonCentrifuge;
  let proto: ProtobufCentrifuge;
  let jsonSub: Subscription;
  let protoSub: ReturnType<ProtobufCentrifuge['newSubscription']>;
  const jsonGot: unknown[] = [];
  const protoGot: Uint8Array[] = [];
  const channel = 'mix:room';

  before(async () => {
    node = await startTestNode({ channel: { namespaces } });
    json = new JsonCentrifuge(node.wsUrl, { websocket: WebSocket, token: await node.token('j') });
    proto = new ProtobufCentrifuge(node.wsUrl, { websocket: WebSocket, token: await node.token('p') });
    jsonSub = json.newSubscription(channel);
    protoSub = proto.newSubscription(channel);
    jsonSub.on('publication', (ctx) => jsonGot.push(ctx.data));
    protoSub.on('publication', (ctx) => protoGot.push(ctx.data as Uint8Array));
    jsonSub.subscribe();
    protoSub.subscribe();
    json.connect();
    proto.connect();
    await Promise.all([jsonSub.ready(5000), protoSub.ready(5000)]);
  });
  after(async () => {
    json.disconnect();
    proto.disconnect();
    await node.stop();
  });

  /** Waits for the next publication on both subscribers; returns what each got. */
  async function nextBoth(count: number): Promise<[unknown, Buffer]> {
    await waitFor(() => jsonGot.length === count && protoGot.length === count, `publication ${count}`);
    return [jsonGot[count - 1], Buffer.from(protoGot[count - 1]!)];
  }

  it('delivers JSON data published through the server API to both: a value, and its UTF-8 text', async () => {
    await node.api('publish', { channel, data: { text: 'héllo', n: 1 } });
    const [j, p] = await nextBoth(1);
    assert.deepEqual(j, { text: 'héllo', n: 1 });
    assert.deepEqual(JSON.parse(p.toString()), { text: 'héllo', n: 1 });
  });

  it("delivers a Protobuf client's JSON bytes to JSON clients as the value", async () => {
    await protoSub.publish(new TextEncoder().encode('{"from":"protobuf","ok":true}'));
    const [j, p] = await nextBoth(2);
    assert.deepEqual(j, { from: 'protobuf', ok: true });
    assert.equal(p.toString(), '{"from":"protobuf","ok":true}');
  });

  it('delivers bytes that are not JSON unchanged to Protobuf clients and as base64 text to JSON clients', async () => {
    await protoSub.publish(BINARY);
    const [j, p] = await nextBoth(3);
    assert.deepEqual([...p], [...BINARY]);
    assert.equal(j, Buffer.from(BINARY).toString('base64'));
  });

  it("takes the server API's b64data as binary data", async () => {
    const res = await node.api('publish', { channel, b64data: Buffer.from(BINARY).toString('base64') });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const [j, p] = await nextBoth(4);
    assert.deepEqual([...p], [...BINARY]);
    assert.equal(j, Buffer.from(BINARY).toString('base64'));
  });

  it('refuses b64data that is not base64 (107)', async () => {
    const res = await node.api('publish', { channel, b64data: 'not base64!' });
    assert.equal((res.body['error'] as { code: number }).code, 107);
  });

  it('returns the same publications from history in each encoding', async () => {
    const fromProto = await protoSub.history({ limit: -1 });
    const fromJson = await jsonSub.history({ limit: -1 });
    assert.deepEqual(
      fromProto.publications.map((p) => [...(p.data as Uint8Array)]),
      protoGot.map((d) => [...d]),
    );
    assert.deepEqual(
      fromJson.publications.map((p) => p.data),
      jsonGot,
    );
    const api = await node.api('history', { channel, limit: -1 });
    const pubs = (api.body['result'] as { publications: { data: unknown }[] }).publications;
    assert.deepEqual(
      pubs.map((p) => p.data),
      jsonGot,
      'the server API reads history as JSON clients do',
    );
  });
});
