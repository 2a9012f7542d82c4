/** Client-side `presence`, `presence_stats` and `history`. */
import type { DiffCase, Script } from '../script.js';

/** Publishes 5 messages `{n: 1..5}` to `channel` through the server API. */
async function fiveInHistory(s: Script, channel: string): Promise<void> {
  for (let n = 1; n <= 5; n++) await s.api('publish', { channel, data: { n } });
}

/** A `history` case on an `open` channel with 5 publications (clients may read it unsubscribed). */
function historyCase(name: string, request: (epoch: string) => Record<string, unknown>): DiffCase {
  return {
    name,
    async run(s) {
      const channel = s.channel('open');
      await fiveInHistory(s, channel);
      const c = await s.connected('alice');
      const first = await c.cmd('history', { channel, limit: 0 });
      const epoch = ((first['history'] ?? {}) as { epoch?: string }).epoch ?? '';
      await c.cmd('history', { channel, ...request(epoch) });
    },
  };
}

/** Cases of presence and history from a client. */
export const presenceHistoryCases: DiffCase[] = [
  {
    name: 'presence/subscribers',
    async run(s) {
      const channel = s.channel('chat');
      const alice = await s.connected('alice');
      const bob = await s.open('bob');
      await bob.cmd('connect', { token: await s.token('bob', { info: { name: 'Bob' } }) });
      await alice.cmd('subscribe', { channel });
      await bob.cmd('subscribe', { channel });
      await alice.recv(2); // both joins
      await alice.cmd('presence', { channel });
      await alice.cmd('presence_stats', { channel });
    },
  },
  {
    name: 'presence/not-subscribed',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('presence', { channel: s.channel('chat') });
      await c.cmd('presence_stats', { channel: s.channel('chat') });
    },
  },
  {
    name: 'presence/client-allowed',
    async run(s) {
      const channel = s.channel('open');
      const bob = await s.connected('bob');
      await bob.cmd('subscribe', { channel });
      const alice = await s.connected('alice');
      await alice.cmd('presence', { channel });
      await alice.cmd('presence_stats', { channel });
    },
  },
  {
    name: 'presence/not-available',
    async run(s) {
      const channel = s.channel('plain');
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel });
      await c.cmd('presence', { channel });
      await c.cmd('presence_stats', { channel });
    },
  },
  {
    name: 'presence/permission-denied',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('presence', { channel: s.channel('locked') });
      await c.cmd('presence_stats', { channel: s.channel('locked') });
    },
  },
  {
    name: 'presence/unknown-namespace',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('presence', { channel: s.channel('nope') });
      await c.cmd('presence_stats', { channel: s.channel('nope') });
    },
  },
  historyCase('history/limit', () => ({ limit: 2 })),
  historyCase('history/no-limit', () => ({})),
  historyCase('history/limit-all', () => ({ limit: -1 })),
  historyCase('history/since', (epoch) => ({ limit: 10, since: { offset: 2, epoch } })),
  historyCase('history/reverse', () => ({ limit: 2, reverse: true })),
  historyCase('history/since-reverse', (epoch) => ({
    limit: 10,
    since: { offset: 4, epoch },
    reverse: true,
  })),
  historyCase('history/since-without-epoch', () => ({ limit: 10, since: { offset: 3 } })),
  historyCase('history/since-wrong-epoch', () => ({
    limit: 10,
    since: { offset: 2, epoch: 'not-the-epoch' },
  })),
  {
    name: 'history/empty-stream',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('history', { channel: s.channel('open'), limit: 10 });
    },
  },
  {
    name: 'history/subscriber-only',
    async run(s) {
      const channel = s.channel('chat');
      await fiveInHistory(s, channel);
      const c = await s.connected('alice');
      await c.cmd('history', { channel, limit: 1 });
      await c.cmd('subscribe', { channel });
      await c.recv(1); // her own join
      await c.cmd('history', { channel, limit: 1 });
    },
  },
  {
    name: 'history/not-available',
    async run(s) {
      const channel = s.channel('plain');
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel });
      await c.cmd('history', { channel, limit: 1 });
    },
  },
  {
    name: 'history/permission-denied',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('history', { channel: s.channel('locked'), limit: 1 });
    },
  },
];
