/**
 * The Protobuf encoder, read back by an independent decoder (protobufjs with our `client.proto`)
 * and compared with the JSON encoder: every reply, push and error means what its JSON frame means,
 * with zero values left out as Centrifugo's encoders leave them out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { UnsubscribeCode } from '../../src/protocol/codes.js';
import type { Encoding, ReplyMethod, ReplyResults } from '../../src/protocol/encoding.js';
import { jsonEncoding } from '../../src/protocol/json/index.js';
import { dataBytes, protobufEncoding as pb } from '../../src/protocol/protobuf/index.js';
import type { ClientInfo, Publication, SubscribeResult } from '../../src/protocol/types.js';
import { decodeReplies, decodeReply, replyFrame } from './protobuf-reference.js';

type Json = Record<string, unknown>;

/** Bytes fields that hold JSON text in our model; they are compared as the JSON they hold. */
const JSON_BYTES = new Set(['data', 'conn_info', 'chan_info']);

// Both helpers build their objects with Object.fromEntries: an own key `__proto__` (JSON.parse makes
// one from `{"__proto__":…}`) stays a key, where assigning it would set the object's prototype.
function parseJsonBytes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(parseJsonBytes);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      JSON_BYTES.has(k) && typeof v === 'string' ? JSON.parse(v) : parseJsonBytes(v),
    ]),
  );
}

/** Whether field `key` of a message in field `parent` is a proto map (its entries are kept as they are). */
const isMap = (key: string, parent: string) =>
  key === 'tags' || key === 'subs' || (key === 'presence' && parent === 'presence');

/**
 * Drops zero values (proto3 cannot carry them) and empty lists and maps, keeping empty messages
 * (a present message is on the wire). Map entries stay, whatever their value.
 */
function withoutZeros(value: unknown, parent = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => withoutZeros(v, parent));
  if (typeof value !== 'object' || value === null) return value;
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(value)) {
    if (v === '' || v === 0 || v === false || v === null) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (isMap(k, parent)) {
      const entries = Object.entries(v as Json).map(([mk, mv]) => [mk, withoutZeros(mv, k)] as const);
      if (entries.length > 0) out.push([k, Object.fromEntries(entries)]);
      continue;
    }
    out.push([k, withoutZeros(v, k)]);
  }
  return Object.fromEntries(out);
}

/** The Protobuf frame, decoded by protobufjs, equals the JSON frame, zero values aside. */
function sameAsJson(encode: (e: Encoding) => Buffer): Json {
  const proto = parseJsonBytes(decodeReply(encode(pb))) as Json;
  const json = JSON.parse(encode(jsonEncoding).toString()) as Json;
  assert.deepEqual(withoutZeros(proto), withoutZeros(json));
  return proto;
}

function replySameAsJson<M extends ReplyMethod>(method: M, result: ReplyResults[M]): Json {
  return sameAsJson((e) => e.reply(7, method, result));
}

const info: ClientInfo = {
  user: 'user-1',
  client: 'c-1',
  conn_info: { name: 'Ann', tags: ['a'] },
  chan_info: 'x',
};
const fullPub: Publication = {
  data: '{"text":"héllo ✓","n":[1,2]}',
  info,
  offset: 1,
  tags: { kind: 'msg', empty: '' },
  version: 7,
};

describe('protobuf encode: pushes', () => {
  it('a publication push means what the JSON one means, in every variant', () => {
    sameAsJson((e) => e.publicationPush('chat:1', { data: '{}' }, undefined));
    sameAsJson((e) => e.publicationPush('chat:1', fullPub, 'epoch-1'));
    // Not offset 1: the epoch stays out.
    const second = sameAsJson((e) => e.publicationPush('chat:1', { ...fullPub, offset: 2 }, 'epoch-1'));
    assert.equal((second.push as Json & { pub: Json }).pub.epoch, undefined);
    sameAsJson((e) => e.publicationPush('канал:😀', { data: JSON.stringify('x'.repeat(20000)) }, undefined));
    sameAsJson((e) =>
      e.publicationPush('c', { data: '1', offset: 2 ** 40 + 3, version: 2 ** 35 }, undefined),
    );
    sameAsJson((e) => e.publicationPush('c', { data: '1', info: { user: '', client: 'c' } }, undefined));
  });

  it('writes the publication push byte for byte as protobufjs writes the same Reply', () => {
    const ours = pb.publicationPush('chat:1', fullPub, 'epoch-1');
    const theirs = replyFrame({
      push: {
        channel: 'chat:1',
        pub: {
          data: Buffer.from(fullPub.data),
          info: {
            user: 'user-1',
            client: 'c-1',
            conn_info: Buffer.from(JSON.stringify(info.conn_info)),
            chan_info: Buffer.from('"x"'),
          },
          offset: 1,
          tags: { kind: 'msg', empty: '' },
          epoch: 'epoch-1',
          version: 7,
        },
      },
    });
    assert.deepEqual(ours, theirs);
  });

  it('takes publication data as bytes as well as JSON text', () => {
    const bytes = Uint8Array.from([0, 1, 2, 255]);
    const frame = pb.publicationPush('c', { data: bytes as unknown as string }, undefined);
    assert.deepEqual(frame, replyFrame({ push: { channel: 'c', pub: { data: bytes } } }));
    assert.deepEqual(dataBytes('é'), Buffer.from([0xc3, 0xa9]));
    assert.equal(dataBytes(bytes), bytes);
  });

  it('join, leave, unsubscribe, message and refresh pushes mean what the JSON ones mean', () => {
    sameAsJson((e) => e.joinPush('room', info));
    sameAsJson((e) => e.leavePush('room', { user: 'u', client: 'c' }));
    sameAsJson((e) => e.unsubscribePush('room', UnsubscribeCode.Expired));
    sameAsJson((e) => e.unsubscribePush('room', UnsubscribeCode.Server, 'kicked'));
    sameAsJson((e) => e.messagePush('{"note":"hi"}'));
    sameAsJson((e) => e.refreshPush({ expires: true, ttl: 300 }));
    sameAsJson((e) => e.refreshPush({ expires: false }));
  });

  it('a subscribe push carries the fields of message Subscribe', () => {
    const result: SubscribeResult = {
      recoverable: true,
      epoch: 'e',
      offset: 12,
      positioned: true,
      data: { welcome: 1 },
      expires: true,
      ttl: 5,
    };
    assert.deepEqual(parseJsonBytes(decodeReply(pb.subscribePush('room', result))), {
      push: {
        channel: 'room',
        subscribe: { recoverable: true, epoch: 'e', offset: 12, positioned: true, data: { welcome: 1 } },
      },
    });
  });

  it('carries conn_info with a `__proto__` key as it is (a case the property below found)', () => {
    const connInfo = JSON.parse('{"__proto__":[""],"n":1}') as unknown;
    const pub: Publication = { data: '0', info: { user: '', client: '', conn_info: connInfo } };
    const proto = sameAsJson((e) => e.publicationPush('', pub, undefined));
    const decoded = ((proto['push'] as Json)['pub'] as Json)['info'] as Json;
    assert.equal(JSON.stringify(decoded['conn_info']), '{"__proto__":[""],"n":1}');
  });

  it('never mismatches the JSON push for arbitrary publications', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 40 });
    const publication = fc.record(
      {
        data: fc.json({ maxDepth: 3 }),
        info: fc.record(
          { user: text, client: text, conn_info: fc.jsonValue({ maxDepth: 2 }) },
          {
            requiredKeys: ['user', 'client'],
          },
        ),
        offset: fc.maxSafeNat(),
        // protobufjs, the reference decoder, assigns map keys as plain properties, so a `__proto__`
        // tag would vanish on its side; that key is checked byte for byte in the connect reply test.
        tags: fc.dictionary(
          text.filter((key) => key !== '__proto__'),
          text,
          { maxKeys: 4 },
        ),
        version: fc.maxSafeNat(),
      },
      { requiredKeys: ['data'] },
    );
    fc.assert(
      fc.property(text, publication, fc.option(text, { nil: undefined }), (channel, pub, epoch) => {
        sameAsJson((e) => e.publicationPush(channel, pub, epoch));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('protobuf encode: replies', () => {
  const subscribed: SubscribeResult = {
    expires: true,
    ttl: 60,
    recoverable: true,
    epoch: 'ep',
    publications: [
      { data: '{"a":1}', offset: 1, info },
      { data: '[2]', offset: 2, tags: { t: 'v' } },
    ],
    recovered: true,
    offset: 2,
    positioned: true,
    data: { hello: 'there' },
    was_recovering: true,
  };

  it('connect, with server-side subscriptions', () => {
    replySameAsJson('connect', {
      client: 'c-1',
      version: '0.1.0',
      expires: true,
      ttl: 120,
      data: { motd: 'hi' },
      subs: new Map([
        ['news', subscribed],
        ['empty', {}],
      ]),
      ping: 25,
      pong: true,
      session: 's',
      node: 'n-1',
      time: 1_700_000_000_000,
    });
    replySameAsJson('connect', { client: 'c-2', version: '' });
  });

  it('connect, with a subscription named like an Object.prototype member (checked by bytes)', () => {
    // protobufjs would turn that map key into a prototype, so the frame is spelled out.
    const frame = pb.reply(1, 'connect', { client: 'c', version: 'v', subs: new Map([['__proto__', {}]]) });
    const entry = [0x0a, 0x09, ...Buffer.from('__proto__'), 0x12, 0x00];
    const connect = [0x0a, 0x01, 0x63, 0x12, 0x01, 0x76, 0x32, entry.length, ...entry];
    assert.deepEqual(frame, Buffer.from([connect.length + 4, 0x08, 0x01, 0x2a, connect.length, ...connect]));
  });

  it('subscribe, unsubscribe, publish, ping', () => {
    replySameAsJson('subscribe', subscribed);
    const empty = replySameAsJson('subscribe', { offset: 0, recovered: false, epoch: '' });
    assert.deepEqual(empty, { id: 7, subscribe: {} });
    assert.deepEqual(replySameAsJson('unsubscribe', {}), { id: 7, unsubscribe: {} });
    assert.deepEqual(replySameAsJson('publish', {}), { id: 7, publish: {} });
    assert.deepEqual(replySameAsJson('ping', {}), { id: 7, ping: {} });
    // An empty result is still an (empty) message on the wire: 0x32 0x00 is `subscribe: {}`.
    assert.deepEqual(pb.reply(1, 'subscribe', {}), Buffer.from([0x04, 0x08, 0x01, 0x32, 0x00]));
  });

  it('presence, presence_stats, history', () => {
    replySameAsJson('presence', { presence: { 'c-1': info, 'c-2': { user: '', client: 'c-2' } } });
    replySameAsJson('presence', { presence: {} });
    replySameAsJson('presence_stats', { num_clients: 3, num_users: 2 });
    replySameAsJson('history', { publications: subscribed.publications!, epoch: 'ep', offset: 9 });
    replySameAsJson('history', { publications: [], epoch: 'ep', offset: 0 });
  });

  it('rpc, refresh, sub_refresh', () => {
    replySameAsJson('rpc', { data: '{"sum":3}' });
    replySameAsJson('rpc', {});
    replySameAsJson('refresh', { expires: true, ttl: 30 });
    replySameAsJson('refresh', {});
    replySameAsJson('sub_refresh', { expires: true, ttl: 10 });
  });

  it('error replies, temporary or not', () => {
    sameAsJson((e) => e.errorReply(4, { code: 100, message: 'internal server error', temporary: true }));
    sameAsJson((e) => e.errorReply(5, { code: 103, message: 'permission denied' }));
    sameAsJson((e) => e.errorReply(6, { code: 107, message: 'bad request', temporary: false }));
  });

  it('a large reply, then the next frame is still right (the shared writer starts afresh)', () => {
    const big = Array.from({ length: 50 }, (_, i) => ({
      data: JSON.stringify('y'.repeat(2000)),
      offset: i + 1,
    }));
    replySameAsJson('history', { publications: big, epoch: 'e', offset: 50 });
    replySameAsJson('presence_stats', { num_clients: 1, num_users: 1 });
  });

  it('a value the writer refuses throws, and the next frame is still right', () => {
    assert.throws(() => pb.reply(1, 'refresh', { expires: true, ttl: 1.5 }));
    replySameAsJson('sub_refresh', { expires: true, ttl: 10 });
  });
});

describe('protobuf encode: framing', () => {
  it('the ping is an empty Reply: a lone zero length', () => {
    assert.deepEqual(pb.ping, Buffer.from([0]));
    assert.deepEqual(decodeReplies(pb.ping), [{}]);
    assert.equal(pb.name, 'protobuf');
    assert.equal(pb.slot, 1);
    assert.equal(pb.binary, true);
  });

  it('joins frames back to back, and a single frame as it is', () => {
    const frames = [pb.ping, pb.publicationPush('c', { data: '1' }, undefined), pb.reply(2, 'ping', {})];
    const joined = pb.join(
      frames,
      frames.reduce((n, f) => n + f.length, 0),
    );
    assert.deepEqual(decodeReplies(joined), [
      {},
      { push: { channel: 'c', pub: { data: '1' } } },
      { id: 2, ping: {} },
    ]);
    assert.equal(pb.join([frames[1]!], frames[1]!.length), frames[1]);
  });
});
