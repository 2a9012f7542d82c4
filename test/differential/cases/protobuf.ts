/**
 * The Protobuf encoding (`centrifuge-protobuf`) for a whole session, mirroring the JSON cases that
 * matter most: connect and its refusals, subscribe with recovery, publish of JSON and non-JSON
 * bytes and what JSON subscribers of the same channel get, history, presence, unsubscribe.
 * Malformed messages, pings and close codes are in protobuf-frames.ts.
 */
import type { Client } from '../client.js';
import type { DiffCase, Script } from '../script.js';

type Json = Record<string, unknown>;

/** A value's JSON text as bytes: what a Protobuf client sends as JSON data. */
export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** Bytes that are not UTF-8, let alone JSON. */
const BINARY = Buffer.from([0xff, 0x00, 0x01, 0xfe]);

/** A connection speaking Protobuf, connected as `user`. */
export function protobufClient(s: Script, label: string, user = label, extra: Json = {}): Promise<Client> {
  return s.connected(label, user, extra, { encoding: 'protobuf' });
}

/** The `method` result of a reply, JSON or Protobuf (`{}` when absent). */
export function resultOf(reply: Json, method: string): Json {
  const body = (reply['protobuf'] ?? reply) as Json;
  return (body[method] ?? {}) as Json;
}

const connectCases: DiffCase[] = [
  {
    name: 'protobuf/connect-good-token',
    async run(s) {
      await protobufClient(s, 'alice');
    },
  },
  {
    name: 'protobuf/connect-name-version-data',
    async run(s) {
      const c = await s.open('alice', { encoding: 'protobuf' });
      await c.cmd('connect', {
        token: await s.token('alice'),
        name: 'differential',
        version: '1.2.3',
        data: jsonBytes({ a: 1 }),
      });
    },
  },
  {
    name: 'protobuf/connect-bad-signature',
    async run(s) {
      const c = await s.open('alice', { encoding: 'protobuf' });
      await c.cmd('connect', { token: await s.token('alice', {}, 'another-secret-0123456789abcdef0123') });
      await c.closed();
    },
  },
  {
    name: 'protobuf/connect-malformed-token',
    async run(s) {
      const c = await s.open('alice', { encoding: 'protobuf' });
      await c.cmd('connect', { token: 'not-a-jwt' });
      await c.closed();
    },
  },
  {
    name: 'protobuf/connect-expired-token',
    async run(s) {
      const c = await s.open('alice', { encoding: 'protobuf' });
      await c.cmd('connect', { token: await s.token('alice', { exp: s.now - 60 }) });
      await c.quiet(500);
    },
  },
  {
    name: 'protobuf/connect-twice',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      await c.cmd('connect', { token: await s.token('alice') });
      await c.closed();
    },
  },
  {
    name: 'protobuf/command-before-connect',
    async run(s) {
      const c = await s.open('alice', { encoding: 'protobuf' });
      await c.cmd('subscribe', { channel: s.channel('chat') });
      await c.closed();
    },
  },
  {
    name: 'protobuf/refresh-new-token',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      await c.cmd('refresh', { token: await s.token('alice', { exp: s.now + 7200 }) });
    },
  },
  {
    name: 'protobuf/rpc-no-handler',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      await c.cmd('rpc', { method: 'sum', data: jsonBytes({ a: 1 }) });
      await c.quiet();
    },
  },
];

/** Subscribes a Protobuf client to a `chat` channel with 3 publications, leaves, and 2 more come. */
async function missedTwo(s: Script): Promise<{ c: Client; channel: string; epoch: string; offset: number }> {
  const channel = s.channel('chat');
  for (let n = 1; n <= 3; n++) await s.api('publish', { channel, data: { n } });
  const c = await protobufClient(s, 'alice');
  const result = resultOf(await c.cmd('subscribe', { channel }), 'subscribe');
  await c.recv(1); // her own join
  await c.cmd('unsubscribe', { channel });
  for (let n = 4; n <= 5; n++) await s.api('publish', { channel, data: { n } });
  const epoch = typeof result['epoch'] === 'string' ? result['epoch'] : '';
  const offset = typeof result['offset'] === 'number' ? result['offset'] : 0;
  return { c, channel, epoch, offset };
}

const subscribeCases: DiffCase[] = [
  {
    name: 'protobuf/subscribe-plain',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      await c.cmd('subscribe', { channel: s.channel('chat') });
      await c.quiet();
    },
  },
  {
    name: 'protobuf/subscribe-positioned-on-request',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      await c.cmd('subscribe', { channel: s.channel('open'), positioned: true });
    },
  },
  {
    name: 'protobuf/subscribe-unknown-namespace',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      await c.cmd('subscribe', { channel: s.channel('nope') });
      await c.quiet();
    },
  },
  {
    name: 'protobuf/subscribe-permission-denied',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      await c.cmd('subscribe', { channel: s.channel('locked') });
      await c.quiet();
    },
  },
  {
    name: 'protobuf/subscribe-already-subscribed',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      await c.cmd('subscribe', { channel: s.channel('plain') });
      await c.cmd('subscribe', { channel: s.channel('plain') });
      await c.quiet();
    },
  },
  {
    name: 'protobuf/recover-epoch-and-offset',
    async run(s) {
      const { c, channel, epoch, offset } = await missedTwo(s);
      await c.cmd('subscribe', { channel, recover: true, epoch, offset });
      await c.quiet();
    },
  },
  {
    name: 'protobuf/recover-wrong-epoch',
    async run(s) {
      const { c, channel, offset } = await missedTwo(s);
      await c.cmd('subscribe', { channel, recover: true, epoch: 'not-the-epoch', offset });
      await c.quiet();
    },
  },
  {
    name: 'protobuf/recover-cache',
    async run(s) {
      const channel = s.channel('cell');
      for (let n = 1; n <= 3; n++) await s.api('publish', { channel, data: { n } });
      const c = await protobufClient(s, 'alice');
      await c.cmd('subscribe', { channel, recover: true, flag: 2 });
      await c.quiet();
    },
  },
  {
    name: 'protobuf/unsubscribe',
    async run(s) {
      const channel = s.channel('plain');
      const c = await protobufClient(s, 'alice');
      await c.cmd('subscribe', { channel });
      await c.cmd('unsubscribe', { channel });
      await s.api('publish', { channel, data: { n: 1 } });
      await c.cmd('unsubscribe', { channel });
      await c.quiet();
    },
  },
  {
    name: 'protobuf/api-unsubscribe',
    async run(s) {
      const channel = s.channel('plain');
      const c = await protobufClient(s, 'alice');
      await c.cmd('subscribe', { channel });
      await s.api('unsubscribe', { user: 'alice', channel });
      await c.recv(1);
    },
  },
];

/**
 * Alice (Protobuf) publishes `data` into an `open` channel where Bob (JSON) and Carol (Protobuf) are
 * subscribed; both receive it.
 */
function publishCase(name: string, data: Buffer | undefined): DiffCase {
  return {
    name,
    async run(s) {
      const channel = s.channel('open');
      const bob = await s.connected('bob');
      await bob.cmd('subscribe', { channel });
      const carol = await protobufClient(s, 'carol');
      await carol.cmd('subscribe', { channel });
      const alice = await protobufClient(s, 'alice');
      await alice.cmd('publish', data === undefined ? { channel } : { channel, data });
      await carol.recv(1, 1000);
      await bob.recv(1, 1000);
      await bob.quiet();
    },
  };
}

const publishCases: DiffCase[] = [
  publishCase('protobuf/publish-json-bytes', jsonBytes({ text: 'hi', n: [1, 2] })),
  // JSON text with a newline inside: JSON subscribers' frames are newline-separated.
  publishCase('protobuf/publish-json-bytes-with-newline', Buffer.from('{"text":\n"hi"}')),
  publishCase('protobuf/publish-non-json-bytes', BINARY),
  publishCase('protobuf/publish-utf8-text-not-json', Buffer.from('hello')),
  publishCase('protobuf/publish-without-data', undefined),
  {
    name: 'protobuf/publish-non-json-bytes-protobuf-subscriber',
    async run(s) {
      const channel = s.channel('open');
      const carol = await protobufClient(s, 'carol');
      await carol.cmd('subscribe', { channel });
      const alice = await protobufClient(s, 'alice');
      await alice.cmd('publish', { channel, data: BINARY });
      await carol.recv(1);
    },
  },
  {
    name: 'protobuf/receives-json-and-api-publications',
    async run(s) {
      const channel = s.channel('open');
      const carol = await protobufClient(s, 'carol');
      await carol.cmd('subscribe', { channel });
      const bob = await s.connected('bob');
      await bob.cmd('publish', { channel, data: { from: 'bob' } });
      await carol.recv(1);
      await s.api('publish', { channel, data: { from: 'api' }, tags: { k: 'v' } });
      await carol.recv(1);
      await s.api('publish', { channel, b64data: BINARY.toString('base64') });
      await carol.recv(1);
    },
  },
  {
    name: 'protobuf/publish-subscriber-only-not-subscribed',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      await c.cmd('publish', { channel: s.channel('chat'), data: jsonBytes({ text: 'hi' }) });
      await c.quiet();
    },
  },
  {
    name: 'protobuf/publish-subscriber-allowed',
    async run(s) {
      const channel = s.channel('chat');
      const c = await protobufClient(s, 'alice');
      await c.cmd('subscribe', { channel });
      await c.recv(1); // her own join
      await c.cmd('publish', { channel, data: jsonBytes({ text: 'hi' }) });
      await c.recv(1);
    },
  },
];

const presenceHistoryCases: DiffCase[] = [
  {
    name: 'protobuf/history',
    async run(s) {
      const channel = s.channel('open');
      for (let n = 1; n <= 5; n++) await s.api('publish', { channel, data: { n } });
      const c = await protobufClient(s, 'alice');
      const epoch = resultOf(await c.cmd('history', { channel, limit: 0 }), 'history')['epoch'];
      await c.cmd('history', { channel, limit: 2 });
      await c.cmd('history', { channel, limit: 10, since: { offset: 2, epoch } });
      await c.cmd('history', { channel, limit: 2, reverse: true });
      await c.cmd('history', { channel, limit: -1 });
    },
  },
  {
    name: 'protobuf/history-errors',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      await c.cmd('history', { channel: s.channel('locked'), limit: 1 });
      await c.cmd('history', { channel: s.channel('open'), limit: 10, since: { offset: 2, epoch: 'x' } });
      await c.cmd('history', { channel: s.channel('nope'), limit: 1 });
    },
  },
  {
    name: 'protobuf/presence',
    async run(s) {
      const channel = s.channel('chat');
      const alice = await protobufClient(s, 'alice');
      const bob = await s.open('bob');
      await bob.cmd('connect', { token: await s.token('bob', { info: { name: 'Bob' } }) });
      await alice.cmd('subscribe', { channel });
      await bob.cmd('subscribe', { channel });
      await alice.recv(2); // both joins
      await alice.cmd('presence', { channel });
      await alice.cmd('presence_stats', { channel });
      await bob.cmd('unsubscribe', { channel });
      await alice.recv(1); // his leave
    },
  },
  {
    name: 'protobuf/presence-errors',
    async run(s) {
      const c = await protobufClient(s, 'alice');
      await c.cmd('presence', { channel: s.channel('chat') });
      await c.cmd('presence', { channel: s.channel('locked') });
      await c.cmd('presence_stats', { channel: s.channel('plain') });
    },
  },
];

/** Cases of the Protobuf encoding. */
export const protobufCases: DiffCase[] = [
  ...connectCases,
  ...subscribeCases,
  ...publishCases,
  ...presenceHistoryCases,
];
