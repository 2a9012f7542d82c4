/** Client-side publish: permissions, payloads and the map publish fields (`type`, `key`, `removed`). */
import type { DiffCase } from '../script.js';

/** Cases of the `publish` command. */
export const publishCases: DiffCase[] = [
  {
    name: 'publish/subscriber-allowed',
    async run(s) {
      const channel = s.channel('chat');
      const alice = await s.connected('alice');
      await alice.cmd('subscribe', { channel });
      await alice.recv(1); // her own join
      await alice.cmd('publish', { channel, data: { text: 'hi' } });
      await alice.recv(1);
    },
  },
  {
    name: 'publish/client-allowed-without-subscribing',
    async run(s) {
      const channel = s.channel('open');
      const bob = await s.connected('bob');
      await bob.cmd('subscribe', { channel });
      const alice = await s.connected('alice');
      await alice.cmd('publish', { channel, data: { text: 'hi' } });
      await bob.recv(1);
    },
  },
  {
    name: 'publish/subscriber-only-not-subscribed',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('publish', { channel: s.channel('chat'), data: { text: 'hi' } });
      await c.quiet();
    },
  },
  {
    name: 'publish/not-allowed',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('publish', { channel: s.channel('locked'), data: { text: 'hi' } });
      await c.quiet();
    },
  },
  {
    name: 'publish/unknown-namespace',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('publish', { channel: s.channel('nope'), data: { text: 'hi' } });
      await c.quiet();
    },
  },
  {
    name: 'publish/without-data',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('publish', { channel: s.channel('open') });
      await c.quiet();
    },
  },
  {
    name: 'publish/scalar-data',
    async run(s) {
      const channel = s.channel('open');
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel });
      await c.cmd('publish', { channel, data: 'text' });
      await c.cmd('publish', { channel, data: 42 });
      await c.quiet();
    },
  },
  {
    name: 'publish/map-type-key',
    async run(s) {
      const channel = s.channel('open');
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel });
      await c.cmd('publish', { channel, data: { v: 1 }, type: 1, key: 'k1' });
      await c.quiet();
    },
  },
  {
    name: 'publish/map-removed',
    async run(s) {
      const channel = s.channel('open');
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel });
      await c.cmd('publish', { channel, type: 1, key: 'k1', removed: true });
      await c.quiet();
    },
  },
  {
    name: 'publish/map-unknown-namespace',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('publish', { channel: s.channel('nope'), type: 1, key: 'k1', removed: true });
      await c.quiet();
    },
  },
  {
    name: 'publish/type-2',
    async run(s) {
      const channel = s.channel('open');
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel });
      await c.cmd('publish', { channel, data: { v: 1 }, type: 2, key: 'k1' });
      await c.quiet();
    },
  },
  ...Object.entries({
    'type-string': { type: '1' },
    'key-number': { key: 7 },
    'removed-string': { removed: 'yes' },
  }).map(
    ([what, extra]): DiffCase => ({
      name: `publish/${what}`,
      async run(s) {
        const c = await s.connected('alice');
        await c.cmd('publish', { channel: s.channel('open'), data: { v: 1 }, ...extra });
        await c.closed();
      },
    }),
  ),
  {
    name: 'publish/key-without-type',
    async run(s) {
      const channel = s.channel('open');
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel });
      await c.cmd('publish', { channel, data: { v: 1 }, key: 'k1', removed: true });
      await c.quiet();
    },
  },
];
