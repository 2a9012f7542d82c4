/**
 * Recovery on subscribe: with and without epoch/offset, a wrong epoch, and flag 2; cache recovery
 * mode (`cell`) and `auto_cache_recover` (`autocell`), server-side subscriptions included.
 */
import type { Client } from '../client.js';
import type { DiffCase, Script } from '../script.js';

/** Publishes `count` messages to `channel` through the server API. */
async function publishMany(s: Script, channel: string, from: number, count: number): Promise<void> {
  for (let n = from; n < from + count; n++) await s.api('publish', { channel, data: { n } });
}

/**
 * Subscribes to a `chat` channel holding 3 publications, unsubscribes, publishes 2 more, and returns
 * the client with the epoch and offset its first subscribe reply gave.
 */
async function missedTwo(s: Script): Promise<{ c: Client; channel: string; epoch: string; offset: number }> {
  const channel = s.channel('chat');
  await publishMany(s, channel, 1, 3);
  const c = await s.connected('alice');
  const reply = await c.cmd('subscribe', { channel });
  const result = (reply['subscribe'] ?? {}) as { epoch?: string; offset?: number };
  await c.recv(1); // her own join
  await c.cmd('unsubscribe', { channel });
  await publishMany(s, channel, 4, 2);
  return { c, channel, epoch: result.epoch ?? '', offset: result.offset ?? 0 };
}

/** Subscribes to `channel` without recovering and unsubscribes: the position a client holds. */
async function positionOf(c: Client, channel: string): Promise<{ epoch: string; offset: number }> {
  const reply = await c.cmd('subscribe', { channel });
  await c.cmd('unsubscribe', { channel });
  const result = (reply['subscribe'] ?? {}) as { epoch?: string; offset?: number };
  return { epoch: result.epoch ?? '', offset: result.offset ?? 0 };
}

/** Cases of cache recovery mode. */
const cacheCases: DiffCase[] = [
  {
    name: 'recover/cache-without-position',
    async run(s) {
      const channel = s.channel('cell');
      await publishMany(s, channel, 1, 3);
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel, recover: true, flag: 2 });
      await c.quiet();
    },
  },
  {
    name: 'recover/cache-latest-position',
    async run(s) {
      const channel = s.channel('cell');
      await publishMany(s, channel, 1, 3);
      const c = await s.connected('alice');
      const held = await positionOf(c, channel);
      await c.cmd('subscribe', { channel, recover: true, ...held });
      await c.cmd('unsubscribe', { channel });
      await publishMany(s, channel, 4, 2);
      await c.cmd('subscribe', { channel, recover: true, ...held });
      await c.quiet();
    },
  },
  {
    name: 'recover/cache-wrong-epoch',
    async run(s) {
      const channel = s.channel('cell');
      await publishMany(s, channel, 1, 2);
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel, recover: true, epoch: 'not-the-epoch', offset: 2, flag: 2 });
      await c.quiet();
    },
  },
  {
    name: 'recover/cache-empty-flag-2',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('cell'), recover: true, flag: 2 });
      await c.quiet();
    },
  },
  {
    name: 'recover/cache-then-live',
    async run(s) {
      const channel = s.channel('cell');
      await publishMany(s, channel, 1, 1);
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel, recover: true });
      await publishMany(s, channel, 2, 2);
      await c.recv(2);
    },
  },
  {
    name: 'recover/cache-not-asked',
    async run(s) {
      const channel = s.channel('cell');
      await publishMany(s, channel, 1, 2);
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel });
      await c.quiet();
    },
  },
  {
    name: 'recover/auto-cache',
    async run(s) {
      const channel = s.channel('autocell');
      await publishMany(s, channel, 1, 2);
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel });
      await c.quiet();
    },
  },
  {
    name: 'recover/auto-cache-server-side',
    async run(s) {
      const channel = s.channel('autocell');
      await publishMany(s, channel, 1, 2);
      const token = await s.token('alice', { channels: [channel] });
      const first = await s.open('first');
      const reply = await first.cmd('connect', { token });
      const subs = ((reply['connect'] ?? {}) as { subs?: Record<string, { epoch?: string }> }).subs ?? {};
      const epoch = subs[channel]?.epoch ?? '';
      await publishMany(s, channel, 3, 1);
      const again = await s.open('again');
      await again.cmd('connect', { token, subs: { [channel]: { recover: true, epoch, offset: 2 } } });
      const third = await s.open('third');
      await third.cmd('connect', { token, subs: { [channel]: { recover: true, epoch, offset: 3 } } });
      await third.quiet();
    },
  },
  {
    name: 'recover/auto-cache-api-subscribe',
    async run(s) {
      const channel = s.channel('autocell');
      await publishMany(s, channel, 1, 1);
      const c = await s.connected('alice');
      await s.api('subscribe', { user: 'alice', channel });
      await c.recv(1);
      await c.quiet();
    },
  },
];

/** Cases of `subscribe` with `recover`. */
export const recoverCases: DiffCase[] = [
  {
    name: 'recover/epoch-and-offset',
    async run(s) {
      const { c, channel, epoch, offset } = await missedTwo(s);
      await c.cmd('subscribe', { channel, recover: true, epoch, offset });
      await c.quiet();
    },
  },
  {
    name: 'recover/epoch-and-offset-flag-2',
    async run(s) {
      const { c, channel, epoch, offset } = await missedTwo(s);
      await c.cmd('subscribe', { channel, recover: true, epoch, offset, flag: 2 });
      await c.quiet();
    },
  },
  {
    name: 'recover/without-epoch',
    async run(s) {
      const { c, channel, offset } = await missedTwo(s);
      await c.cmd('subscribe', { channel, recover: true, offset });
      await c.quiet();
    },
  },
  {
    name: 'recover/without-offset',
    async run(s) {
      const { c, channel, epoch } = await missedTwo(s);
      await c.cmd('subscribe', { channel, recover: true, epoch });
      await c.quiet();
    },
  },
  {
    name: 'recover/without-epoch-and-offset',
    async run(s) {
      const { c, channel } = await missedTwo(s);
      await c.cmd('subscribe', { channel, recover: true });
      await c.quiet();
    },
  },
  {
    name: 'recover/wrong-epoch',
    async run(s) {
      const { c, channel, offset } = await missedTwo(s);
      await c.cmd('subscribe', { channel, recover: true, epoch: 'not-the-epoch', offset });
      await c.quiet();
    },
  },
  {
    name: 'recover/wrong-epoch-flag-2',
    async run(s) {
      const { c, channel, offset } = await missedTwo(s);
      await c.cmd('subscribe', { channel, recover: true, epoch: 'not-the-epoch', offset, flag: 2 });
      await c.quiet();
    },
  },
  {
    name: 'recover/offset-ahead-of-stream',
    async run(s) {
      const { c, channel, epoch } = await missedTwo(s);
      await c.cmd('subscribe', { channel, recover: true, epoch, offset: 99 });
      await c.quiet();
    },
  },
  {
    name: 'recover/flag-1',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('chat'), flag: 1 });
      await c.quiet();
    },
  },
  {
    name: 'recover/no-history-namespace',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('plain'), recover: true, epoch: 'x', offset: 1 });
      await c.quiet();
    },
  },
  ...cacheCases,
];
