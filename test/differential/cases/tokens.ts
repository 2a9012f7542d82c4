/**
 * Tokens and the anonymous user: tokens without `sub` and what that user may do, tokens naming
 * another user, channel or namespace, refresh and sub_refresh outcomes, and a socket whose connect
 * was refused.
 */
import type { DiffCase } from '../script.js';

/** Cases of token claims, anonymous users and refused connects. */
export const tokenCases: DiffCase[] = [
  {
    name: 'connect/token-sub-not-string',
    async run(s) {
      const c = await s.open('anon');
      await c.cmd('connect', { token: await s.token(undefined, { sub: 42 }) });
      await c.closed();
    },
  },
  {
    name: 'connect/anonymous-token-channels',
    async run(s) {
      // No `sub`: the anonymous user, subscribed server-side, but a subscriber option alone does
      // not let an anonymous user publish or read presence and history (no *_for_anonymous).
      const channel = s.channel('chat');
      const c = await s.open('anon');
      await c.cmd('connect', { token: await s.token(undefined, { channels: [channel] }) });
      await c.recv(1); // its own join
      await c.cmd('publish', { channel, data: { n: 1 } });
      await c.cmd('presence', { channel });
      await c.cmd('history', { channel, limit: -1 });
      await c.quiet();
    },
  },
  {
    name: 'connect/channels-claim-over-limit',
    async run(s) {
      const channels = Array.from({ length: 129 }, (_, i) => s.channel('plain', String(i)));
      const c = await s.open('alice');
      await c.cmd('connect', { token: await s.token('alice', { channels }) });
      await c.closed();
    },
  },
  {
    name: 'connect/refused-socket-dropped',
    async run(s) {
      const c = await s.open('alice');
      await c.cmd('connect', { token: await s.token('alice', { exp: s.now - 60 }) });
      c.send({ id: c.takeId(), ping: {} });
      // Neither server reads the socket again; both drop it without a close frame after 5 s.
      await c.closed(8000);
    },
  },
  {
    name: 'connect/subs-rejoined',
    async run(s) {
      // Channels named in `subs` are joined server-side where the client could subscribe itself.
      const subs = Object.fromEntries(
        [
          s.channel('plain', 'x'),
          s.channel('locked', 'y'),
          `$${s.channel('plain', 'z')}`,
          `${s.channel('plain', 'w')}#bob`,
          `${s.channel('plain', 'v')}#alice`,
        ].map((channel) => [channel, {}]),
      );
      const c = await s.open('alice');
      await c.cmd('connect', { token: await s.token('alice'), subs });
      await c.quiet();
    },
  },
  {
    name: 'connect/subs-unknown-namespace',
    async run(s) {
      const c = await s.open('alice');
      await c.cmd('connect', { token: await s.token('alice'), subs: { [s.channel('nope')]: {} } });
      await c.closed();
    },
  },
  {
    name: 'subscribe/anonymous-user-limited',
    async run(s) {
      const c = await s.open('anon');
      await c.cmd('connect', { token: await s.token(undefined) });
      await c.cmd('subscribe', { channel: `${s.channel('plain')}#` });
      await c.cmd('subscribe', { channel: `${s.channel('plain')}#alice,` });
      await c.cmd('subscribe', { channel: `${s.channel('plain')}#alice` });
      await c.quiet();
    },
  },
  {
    name: 'subscribe/token-without-sub',
    async run(s) {
      const channel = `$${s.channel('plain')}`;
      const c = await s.open('anon');
      await c.cmd('connect', { token: await s.token(undefined) });
      await c.cmd('subscribe', { channel, token: await s.token(undefined, { channel }) });
      await c.quiet();
    },
  },
  {
    name: 'subscribe/token-of-another-user',
    async run(s) {
      const channel = `$${s.channel('plain')}`;
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel, token: await s.token('bob', { channel }) });
      await c.closed();
    },
  },
  {
    name: 'subscribe/token-for-unknown-namespace',
    async run(s) {
      const c = await s.connected('alice');
      const token = await s.token('alice', { channel: s.channel('nope') });
      await c.cmd('subscribe', { channel: s.channel('plain'), token });
      await c.quiet();
    },
  },
  {
    name: 'refresh/channels-claim-unknown-namespace',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('refresh', { token: await s.token('alice', { channels: [s.channel('nope')] }) });
      await c.quiet();
    },
  },
  {
    name: 'refresh/same-channels',
    async run(s) {
      const channels = [s.channel('plain', 'a'), s.channel('plain', 'b')];
      const c = await s.open('alice');
      await c.cmd('connect', { token: await s.token('alice', { channels }) });
      await c.cmd('refresh', { token: await s.token('alice', { channels: [...channels].reverse() }) });
      await c.quiet();
    },
  },
  {
    name: 'refresh/channels-changed',
    async run(s) {
      const c = await s.open('alice');
      await c.cmd('connect', { token: await s.token('alice', { channels: [s.channel('plain', 'a')] }) });
      await c.cmd('refresh', { token: await s.token('alice', { channels: [s.channel('plain', 'b')] }) });
      await c.closed();
    },
  },
  {
    name: 'sub_refresh/invalid-token',
    async run(s) {
      const channel = s.channel('plain');
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel, token: await s.token('alice', { channel }) });
      await c.cmd('sub_refresh', { channel, token: 'not-a-jwt' });
      await c.closed();
    },
  },
  {
    name: 'sub_refresh/expired-token',
    async run(s) {
      const channel = s.channel('plain');
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel, token: await s.token('alice', { channel }) });
      await c.cmd('sub_refresh', { channel, token: await s.token('alice', { channel, exp: s.now - 60 }) });
      await c.quiet();
    },
  },
  {
    name: 'sub_refresh/without-channel',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('sub_refresh', { token: await s.token('alice', { channel: s.channel('plain') }) });
      await c.closed();
    },
  },
  {
    name: 'connect/refused-then-stale',
    profile: 'timing',
    async run(s) {
      const c = await s.open('alice');
      await c.cmd('connect', { token: await s.token('alice', { nbf: s.now + 600 }) });
      // stale_close_delay (1 s) comes before the 5 s drop.
      await c.closed();
    },
  },
];
