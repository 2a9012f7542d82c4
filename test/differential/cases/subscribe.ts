/** Subscribing: permissions, namespaces, join/leave, subscription types and tags filters. */
import type { DiffCase } from '../script.js';

/** Cases of `subscribe` and `unsubscribe` (recovery is in recover.ts). */
export const subscribeCases: DiffCase[] = [
  {
    name: 'subscribe/plain',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('chat') });
    },
  },
  {
    name: 'subscribe/without-namespace',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('') });
    },
  },
  {
    name: 'subscribe/no-history-namespace',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('plain') });
    },
  },
  {
    name: 'subscribe/recoverable-on-request',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('open'), recoverable: true });
    },
  },
  {
    name: 'subscribe/positioned-on-request',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('open'), positioned: true });
    },
  },
  {
    name: 'subscribe/recoverable-by-history-access',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('readable'), recoverable: true });
    },
  },
  {
    name: 'subscribe/positioned-by-history-access',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('readable'), positioned: true });
    },
  },
  {
    name: 'subscribe/already-subscribed',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('chat') });
      await c.cmd('subscribe', { channel: s.channel('chat') });
      await c.quiet();
    },
  },
  {
    name: 'subscribe/unknown-namespace',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('nope') });
      await c.quiet();
    },
  },
  {
    name: 'subscribe/permission-denied',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('locked') });
      await c.quiet();
    },
  },
  {
    name: 'subscribe/private-channel-without-token',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: `chat:$${s.channel('', 'secret')}` });
      await c.quiet();
    },
  },
  {
    name: 'subscribe/private-prefix-before-namespace',
    async run(s) {
      const c = await s.connected('alice');
      const channel = `$${s.channel('chat')}`;
      await c.cmd('subscribe', { channel });
      await c.cmd('subscribe', { channel, token: await s.token('alice', { channel }) });
      await c.quiet();
    },
  },
  {
    name: 'subscribe/private-channel-with-token',
    async run(s) {
      const c = await s.connected('alice');
      const channel = `chat:$${s.channel('', 'secret')}`;
      await c.cmd('subscribe', { channel, token: await s.token('alice', { channel }) });
      await c.cmd('subscribe', {
        channel: `${channel}2`,
        token: await s.token('alice', { channel: `${channel}2`, exp: s.now - 60 }),
      });
      await c.quiet();
    },
  },
  {
    name: 'subscribe/user-limited',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: `${s.channel('plain')}#alice,bob` });
      await c.cmd('subscribe', { channel: `${s.channel('plain')}#bob` });
      await c.quiet();
    },
  },
  {
    name: 'subscribe/empty-channel',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: '' });
      await c.closed();
    },
  },
  {
    name: 'subscribe/join-leave',
    async run(s) {
      const channel = s.channel('chat');
      const alice = await s.connected('alice');
      await alice.cmd('subscribe', { channel });
      await alice.recv(1); // her own join (force_push_join_leave)
      const bob = await s.connected('bob');
      await bob.cmd('subscribe', { channel });
      await bob.recv(1);
      await alice.recv(1);
      await bob.cmd('unsubscribe', { channel });
      await alice.recv(1);
      await bob.quiet();
    },
  },
  {
    name: 'subscribe/unsubscribe',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('unsubscribe', { channel: s.channel('plain') });
      await c.cmd('subscribe', { channel: s.channel('plain') });
      await c.cmd('unsubscribe', { channel: s.channel('plain') });
      await c.cmd('subscribe', { channel: s.channel('plain') });
      await c.quiet();
    },
  },
  ...[1, 2, 3, 4, 5].map(
    (type): DiffCase => ({
      name: `subscribe/type-${type}`,
      async run(s) {
        const c = await s.connected('alice');
        await c.cmd('subscribe', { channel: s.channel('plain'), type });
        await c.quiet();
        // Type 5 closes the connection (3004); the others leave it open.
        if (type === 5) await c.closed();
      },
    }),
  ),
  {
    name: 'subscribe/type-negative',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('plain'), type: -1 });
      await c.quiet();
    },
  },
  {
    name: 'subscribe/type-5-invalid-tags-filter',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('tagged'), type: 5, tf: { op: 'xor' } });
      await c.quiet();
    },
  },
  {
    name: 'subscribe/type-1-unknown-namespace',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('nope'), type: 1 });
      await c.quiet();
    },
  },
  {
    name: 'subscribe/type-4-unknown-namespace',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('nope'), type: 4, delta: 'zip' });
      await c.quiet();
    },
  },
  {
    name: 'subscribe/type-float-literal',
    async run(s) {
      const c = await s.connected('alice');
      c.sendRaw(`{"id":${c.takeId()},"subscribe":{"channel":"${s.channel('plain')}","type":1.0}}`);
      await c.quiet(500);
    },
  },
  {
    name: 'subscribe/type-string',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('plain'), type: '1' });
      await c.closed();
    },
  },
  {
    name: 'subscribe/map-paging-fields',
    async run(s) {
      const c = await s.connected('alice');
      const paging = { phase: 1, cursor: 'c1', limit: 5, asc: true, data: { any: 1 } };
      await c.cmd('subscribe', { channel: s.channel('plain'), ...paging });
      await c.quiet();
    },
  },
  {
    name: 'subscribe/tags-filter-not-allowed',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('open'), tf: { key: 'kind', cmp: 'eq', val: 'a' } });
      await c.quiet();
    },
  },
  {
    name: 'subscribe/tags-filter',
    async run(s) {
      const channel = s.channel('tagged');
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel, tf: { key: 'kind', cmp: 'eq', val: 'a' } });
      await s.api('publish', { channel, data: { n: 1 }, tags: { kind: 'b' } });
      await s.api('publish', { channel, data: { n: 2 }, tags: { kind: 'a' } });
      await s.api('publish', { channel, data: { n: 3 } });
      await c.quiet(300);
    },
  },
  {
    name: 'subscribe/tags-filter-invalid',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('tagged'), tf: { op: 'xor' } });
      await c.quiet();
    },
  },
  {
    name: 'subscribe/delta-fossil-not-allowed',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('chat'), delta: 'fossil' });
      await c.quiet();
    },
  },
  {
    name: 'subscribe/delta-unknown-map-type',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('chat'), type: 1, delta: 'zip' });
      await c.quiet();
    },
  },
  {
    name: 'subscribe/delta-number',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('chat'), delta: 1 });
      await c.closed();
    },
  },
  {
    name: 'subscribe/delta-unknown',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('chat'), delta: 'zip' });
      await c.closed();
    },
  },
];
