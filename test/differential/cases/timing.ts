/**
 * Cases that wait for the server's clock: pings and the pong timeout, stale connections, expiring
 * tokens. They run against the `timing` profile (2 s pings, 1 s pong timeout, 1 s delays).
 */
import type { DiffCase } from '../script.js';

/** Cases of server pings and of the disconnects the server decides on by itself. */
export const timingCases: DiffCase[] = [
  {
    name: 'timing/ping-pong-then-no-pong',
    profile: 'timing',
    async run(s) {
      const c = await s.connected('alice');
      await c.recv(1, 4000); // the first ping
      c.sendRaw('{}'); // the pong
      await c.recv(1, 4000); // the second ping, left unanswered
      await c.closed(4000);
    },
  },
  {
    name: 'timing/stale-without-connect',
    profile: 'timing',
    async run(s) {
      const c = await s.open('alice');
      await c.closed(4000);
    },
  },
  {
    name: 'timing/connection-expires',
    profile: 'timing',
    async run(s) {
      const c = await s.open('alice', { autoPong: true });
      await c.cmd('connect', { token: await s.token('alice', { exp: Math.floor(Date.now() / 1000) + 1 }) });
      await c.closed(5000);
    },
  },
];
