/** The WebSocket layer: sizes, UTF-8, plain HTTP on the endpoint, and subscription token refresh. */
import type { DiffCase } from '../script.js';

/** Cases of frames the JSON protocol cannot carry, and of the endpoint itself. */
export const transportCases: DiffCase[] = [
  {
    name: 'transport/message-too-big',
    async run(s) {
      const c = await s.connected('alice');
      const frame = JSON.stringify({
        id: c.takeId(),
        publish: { channel: s.channel('open'), data: 'x'.repeat(70_000) },
      });
      c.sendBytes(Buffer.from(frame), false, `publish of ${frame.length} bytes (limit 65536)`);
      await c.closed();
    },
  },
  {
    name: 'transport/invalid-utf8-text-frame',
    async run(s) {
      const c = await s.connected('alice');
      c.sendBytes(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), false, '{ 0xff 0xfe }');
      await c.closed();
    },
  },
  {
    name: 'transport/binary-frame-not-utf8',
    async run(s) {
      const c = await s.connected('alice');
      c.sendBytes(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), true, '{ 0xff 0xfe }');
      await c.closed();
    },
  },
  {
    name: 'transport/plain-http-get',
    async run(s) {
      await s.http('GET', '/connection/websocket');
      await s.http('GET', '/connection/nope');
    },
  },
  {
    name: 'sub_refresh/with-token',
    async run(s) {
      const channel = s.channel('plain');
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel, token: await s.token('alice', { channel, exp: s.now + 600 }) });
      await c.cmd('sub_refresh', { channel, token: await s.token('alice', { channel, exp: s.now + 1200 }) });
      await c.cmd('sub_refresh', { channel, token: await s.token('alice', { channel: `${channel}x` }) });
      await c.quiet();
    },
  },
];
