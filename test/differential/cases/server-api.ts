/** The HTTP server API (`POST /api/<method>` with `X-API-Key`) and what it does to connections. */
import type { DiffCase } from '../script.js';

/** Cases of the server API. */
export const serverApiCases: DiffCase[] = [
  {
    name: 'api/publish',
    async run(s) {
      const channel = s.channel('open');
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel });
      await s.api('publish', { channel, data: { n: 1 }, tags: { kind: 'a' } });
      await s.api('publish', { channel: s.channel('plain'), data: { n: 2 } });
      await c.recv(1);
    },
  },
  {
    name: 'api/publish-errors',
    async run(s) {
      await s.api('publish', { channel: s.channel('nope'), data: {} });
      await s.api('publish', { channel: s.channel('open') });
      await s.api('publish', { data: {} });
      await s.api('publish', { channel: s.channel('open'), data: {} }, { rawBody: '{"channel":' });
    },
  },
  {
    name: 'api/publish-idempotency-key',
    async run(s) {
      const channel = s.channel('open');
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel });
      await s.api('publish', { channel, data: { n: 1 }, idempotency_key: 'k1' });
      await s.api('publish', { channel, data: { n: 2 }, idempotency_key: 'k1' });
      await c.recv(1);
      await c.quiet();
    },
  },
  {
    name: 'api/publish-skip-history',
    async run(s) {
      const channel = s.channel('open');
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel });
      await s.api('publish', { channel, data: { n: 1 }, skip_history: true });
      await c.recv(1);
      await s.api('history', { channel, limit: 10 });
    },
  },
  {
    name: 'api/publish-version',
    async run(s) {
      const channel = s.channel('open');
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel });
      // Stale versions (3 after 2, 3 after 3) are dropped; another epoch starts over; no epoch compares.
      const steps: [number, number, string?][] = [
        [1, 1],
        [2, 3],
        [3, 2],
        [4, 3],
        [5, 1, 'b'],
        [6, 1, ''],
      ];
      for (const [n, version, version_epoch] of steps) {
        await s.api('publish', {
          channel,
          data: { n },
          version,
          ...(version_epoch === undefined ? {} : { version_epoch }),
        });
      }
      await c.recv(3);
      await c.quiet();
      await s.api('history', { channel, limit: 10 });
      await s.api('broadcast', {
        channels: [channel, s.channel('open', 'other')],
        data: { n: 7 },
        version: 1,
      });
    },
  },
  {
    name: 'api/broadcast',
    async run(s) {
      const channels = [s.channel('open', 'a'), s.channel('plain', 'b'), s.channel('nope', 'c')];
      // One subscriber per channel: a broadcast publishes its channels concurrently, so the order
      // in which two channels' pushes reach one client is defined by neither server.
      const a = await s.connected('alice');
      const b = await s.connected('bob');
      await a.cmd('subscribe', { channel: channels[0] });
      await b.cmd('subscribe', { channel: channels[1] });
      await s.api('broadcast', { channels, data: { n: 1 } });
      await a.recv(1);
      await b.recv(1);
    },
  },
  {
    name: 'api/history',
    async run(s) {
      const channel = s.channel('open');
      for (let n = 1; n <= 3; n++) await s.api('publish', { channel, data: { n } });
      await s.api('history', { channel, limit: 2 });
      await s.api('history', { channel, limit: 10, reverse: true });
      await s.api('history', { channel });
      await s.api('history', { channel: s.channel('plain'), limit: 1 });
    },
  },
  {
    name: 'api/history-remove',
    async run(s) {
      const channel = s.channel('open');
      await s.api('publish', { channel, data: { n: 1 } });
      await s.api('history_remove', { channel });
      await s.api('history', { channel, limit: 10 });
      await s.api('history_remove', { channel: s.channel('plain') });
    },
  },
  {
    name: 'api/presence',
    async run(s) {
      const channel = s.channel('chat');
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel });
      await s.api('presence', { channel });
      await s.api('presence_stats', { channel });
      await s.api('presence', { channel: s.channel('plain') });
    },
  },
  {
    name: 'api/disconnect',
    async run(s) {
      const c = await s.connected('alice');
      await s.api('disconnect', { user: 'alice' });
      await c.closed();
    },
  },
  {
    name: 'api/disconnect-custom-code',
    async run(s) {
      const c = await s.connected('alice');
      await s.api('disconnect', { user: 'alice', disconnect: { code: 4501, reason: 'go away' } });
      await c.closed();
    },
  },
  {
    name: 'api/disconnect-client-and-whitelist',
    async run(s) {
      const first = await s.open('first');
      const reply = await first.cmd('connect', { token: await s.token('carol') });
      const id = ((reply['connect'] ?? {}) as { client?: string }).client ?? '';
      const second = await s.connected('second', 'carol');
      await s.api('disconnect', { user: 'carol', whitelist: [id] });
      await second.closed();
      await first.quiet();
      await s.api('disconnect', { user: 'carol', client: id });
      await first.closed();
    },
  },
  {
    name: 'api/unsubscribe',
    async run(s) {
      const channel = s.channel('open');
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel });
      await s.api('unsubscribe', { user: 'alice', channel });
      await c.recv(1);
    },
  },
  {
    name: 'api/subscribe',
    async run(s) {
      const channel = s.channel('open');
      const c = await s.connected('alice');
      await s.api('subscribe', { user: 'alice', channel });
      await c.recv(1);
      await s.api('publish', { channel, data: { n: 1 } });
      await c.recv(1);
    },
  },
  {
    name: 'api/refresh-expired',
    async run(s) {
      const c = await s.connected('alice');
      await s.api('refresh', { user: 'alice', expired: true });
      await c.closed();
    },
  },
  {
    name: 'api/refresh-expire-at',
    async run(s) {
      const c = await s.connected('alice');
      await s.api('refresh', { user: 'alice', expire_at: s.now + 7200 });
      await c.recv(1);
    },
  },
  {
    name: 'api/channels',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('open') });
      await s.api('channels', { pattern: `${s.channel('open')}*` });
    },
  },
  {
    name: 'api/info',
    async run(s) {
      await s.api('info', {});
    },
  },
  {
    name: 'api/batch',
    async run(s) {
      const channel = s.channel('open');
      await s.api('batch', {
        commands: [{ publish: { channel, data: { n: 1 } } }, { history: { channel, limit: 1 } }],
      });
    },
  },
  {
    name: 'api/send',
    async run(s) {
      const c = await s.connected('alice');
      await s.api('send', { user: 'alice', data: { hello: 1 } });
      await c.quiet();
    },
  },
  {
    name: 'api/unknown-method',
    async run(s) {
      await s.api('frobnicate', {});
    },
  },
  {
    name: 'api/auth',
    async run(s) {
      await s.api('info', {}, { key: null });
      await s.api('info', {}, { key: 'wrong-key' });
    },
  },
];
