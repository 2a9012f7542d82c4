/** The other commands (refresh, rpc, send, ping, sub_refresh) and frames the server cannot decode. */
import type { Client } from '../client.js';
import type { DiffCase, Script } from '../script.js';

/** A command every connected client may send (presence_stats of an `open` channel): is it still served? */
function probe(s: Script, c: Client): Promise<Record<string, unknown>> {
  return c.cmd('presence_stats', { channel: s.channel('open', 'probe') });
}

/** Cases of the remaining commands and of malformed frames. */
export const commandCases: DiffCase[] = [
  {
    name: 'refresh/new-token',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('refresh', { token: await s.token('alice', { exp: s.now + 7200 }) });
    },
  },
  {
    name: 'refresh/expired-token',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('refresh', { token: await s.token('alice', { exp: s.now - 60 }) });
      await c.quiet();
    },
  },
  {
    name: 'refresh/another-user',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('refresh', { token: await s.token('bob') });
      await c.closed();
    },
  },
  {
    name: 'refresh/invalid-token',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('refresh', { token: 'not-a-jwt' });
      await c.closed();
    },
  },
  {
    name: 'refresh/without-token',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('refresh', {});
      await c.quiet();
    },
  },
  {
    name: 'sub_refresh/not-subscribed',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('sub_refresh', { channel: s.channel('chat'), token: await s.token('alice') });
      await c.quiet();
    },
  },
  {
    name: 'rpc/no-handler',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('rpc', { method: 'sum', data: { a: 1 } });
      await c.cmd('rpc', { data: { a: 1 } });
      await c.quiet();
    },
  },
  {
    name: 'send/no-handler',
    async run(s) {
      const c = await s.connected('alice');
      c.send({ send: { data: { a: 1 } } });
      await c.quiet(300);
      await probe(s, c);
      await c.quiet();
    },
  },
  {
    name: 'ping/command',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('ping');
    },
  },
  {
    name: 'ping/pong-frame',
    async run(s) {
      const c = await s.connected('alice');
      c.sendRaw('{}');
      await c.quiet(300);
      await probe(s, c);
      await c.quiet();
    },
  },
  {
    name: 'command/unknown-method',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('foo');
      await c.quiet();
    },
  },
  {
    name: 'command/unknown-method-before-connect',
    async run(s) {
      const c = await s.open('alice');
      await c.cmd('foo');
      await c.closed();
    },
  },
  {
    name: 'command/malformed-json',
    async run(s) {
      const c = await s.connected('alice');
      c.sendRaw('{"id":2,"ping":');
      await c.closed();
    },
  },
  {
    name: 'command/not-an-object',
    async run(s) {
      const c = await s.connected('alice');
      c.sendRaw('[1,2]');
      await c.closed();
    },
  },
  {
    name: 'command/without-id',
    async run(s) {
      const c = await s.connected('alice');
      c.sendRaw(JSON.stringify({ presence_stats: { channel: s.channel('open') } }));
      await c.quiet();
      await probe(s, c);
    },
  },
  {
    name: 'command/two-methods',
    async run(s) {
      const c = await s.connected('alice');
      const channel = s.channel('open');
      c.send({ id: c.takeId(), presence_stats: { channel }, history: { channel, limit: 1 } });
      await c.quiet();
    },
  },
  {
    name: 'command/several-in-one-frame',
    async run(s) {
      const c = await s.connected('alice');
      const channel = s.channel('open');
      c.send({ id: c.takeId(), subscribe: { channel } }, { id: c.takeId(), presence_stats: { channel } });
      await c.recv(2);
      await c.quiet();
    },
  },
  {
    name: 'command/binary-frame',
    async run(s) {
      const c = await s.connected('alice');
      c.sendRaw(JSON.stringify({ id: c.takeId(), presence_stats: { channel: s.channel('open') } }), true);
      await c.recv(1, 1000);
      await c.quiet();
    },
  },
  {
    name: 'command/empty-frame',
    async run(s) {
      const c = await s.connected('alice');
      c.sendRaw('');
      await c.quiet();
      await probe(s, c);
    },
  },
];
