/** Connecting: tokens good and bad, commands around `connect`, and the WebSocket subprotocols. */
import type { DiffCase } from '../script.js';

/** Cases of the `connect` command and the handshake. */
export const connectCases: DiffCase[] = [
  {
    name: 'connect/good-token',
    async run(s) {
      await s.connected('alice');
    },
  },
  {
    name: 'connect/name-version-data',
    async run(s) {
      const c = await s.open('alice');
      await c.cmd('connect', {
        token: await s.token('alice'),
        name: 'differential',
        version: '1.2.3',
        data: { a: 1 },
      });
    },
  },
  {
    name: 'connect/token-without-exp',
    async run(s) {
      const c = await s.open('alice');
      await c.cmd('connect', { token: await s.token('alice', { exp: undefined }) });
    },
  },
  {
    name: 'connect/bad-signature',
    async run(s) {
      const c = await s.open('alice');
      await c.cmd('connect', { token: await s.token('alice', {}, 'another-secret-0123456789abcdef0123') });
      await c.closed();
    },
  },
  {
    name: 'connect/malformed-token',
    async run(s) {
      const c = await s.open('alice');
      await c.cmd('connect', { token: 'not-a-jwt' });
      await c.closed();
    },
  },
  {
    name: 'connect/expired-token',
    async run(s) {
      const c = await s.open('alice');
      await c.cmd('connect', { token: await s.token('alice', { exp: s.now - 60 }) });
      // After a failed connect neither server reads the socket again: the second connect gets no
      // reply (the drop 5 s later is connect/refused-socket-dropped). Wait 1 s, well before it.
      c.send({ id: c.takeId(), connect: { token: await s.token('alice') } });
      await c.quiet(1000);
    },
  },
  {
    name: 'connect/token-without-sub',
    async run(s) {
      const c = await s.open('anon');
      await c.cmd('connect', { token: await s.token(undefined) });
      await c.quiet();
    },
  },
  {
    name: 'connect/token-empty-sub',
    async run(s) {
      const c = await s.open('anon');
      await c.cmd('connect', { token: await s.token('') });
      await c.quiet();
    },
  },
  {
    name: 'connect/token-nbf-in-future',
    async run(s) {
      const c = await s.open('alice');
      await c.cmd('connect', { token: await s.token('alice', { nbf: s.now + 600 }) });
      await c.quiet();
    },
  },
  {
    name: 'connect/subscription-token-as-connection-token',
    async run(s) {
      const c = await s.open('alice');
      await c.cmd('connect', { token: await s.token('alice', { channel: s.channel('chat') }) });
      await c.quiet();
    },
  },
  {
    name: 'connect/no-token',
    async run(s) {
      const c = await s.open('alice');
      await c.cmd('connect', {});
      await c.quiet();
    },
  },
  {
    name: 'connect/token-channels-claim',
    async run(s) {
      const c = await s.open('alice');
      const channels = [s.channel('chat', 'a'), s.channel('plain', 'b')];
      await c.cmd('connect', { token: await s.token('alice', { channels }) });
      await c.recv(1); // her own join in the chat channel
      await s.api('publish', { channel: channels[0], data: { n: 1 } });
      await c.recv(1);
    },
  },
  {
    name: 'connect/token-channels-claim-unknown-namespace',
    async run(s) {
      const c = await s.open('alice');
      const channels = [s.channel('plain', 'b'), s.channel('nope', 'c')];
      await c.cmd('connect', { token: await s.token('alice', { channels }) });
      await c.quiet();
    },
  },
  {
    name: 'connect/twice',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('connect', { token: await s.token('alice') });
      await c.closed();
    },
  },
  {
    name: 'connect/command-before-connect',
    async run(s) {
      const c = await s.open('alice');
      await c.cmd('subscribe', { channel: s.channel('chat') });
      await c.closed();
    },
  },
  {
    name: 'connect/subprotocol-protobuf',
    async run(s) {
      const c = await s.open('alice', { protocols: ['centrifuge-protobuf'], recordOpen: true });
      if (!c.isClosed) await c.cmd('connect', { token: await s.token('alice') });
      await c.quiet();
    },
  },
  {
    name: 'connect/subprotocol-json',
    async run(s) {
      const c = await s.open('alice', { protocols: ['centrifuge-json'], recordOpen: true });
      if (!c.isClosed) await c.cmd('connect', { token: await s.token('alice') });
    },
  },
  {
    name: 'connect/subprotocol-unknown',
    async run(s) {
      const c = await s.open('alice', { protocols: ['chat.example'], recordOpen: true });
      if (!c.isClosed) await c.cmd('connect', { token: await s.token('alice') });
    },
  },
];
