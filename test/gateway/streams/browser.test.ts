/**
 * The centrifuge package's browser bundles in headless Chromium over the emulation transports
 * alone, with the browser's own `fetch` streaming and `EventSource`: `http_stream` (JSON and
 * Protobuf bundles) and `sse` (JSON), each directly against a node and through nginx. The page is
 * served from its own origin (named in `allowed_origins`), so every request is a CORS request. In
 * the page the SDK connects, subscribes with recovery, gets live publications, asks presence
 * (an `/emulation` round trip) and recovers what it missed across a server-API disconnect with
 * code 3100, once and in order. The page counts the EventSources and stream fetches it made.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ROOT, setup, sleep, type TestNode, token, waitFor } from '../../harness/index.js';
import { publish, range, type StreamNginx, startStreamNginx, streamConfig } from './helpers.js';

const BUNDLES = { json: 'centrifuge.js', protobuf: 'centrifuge.protobuf.js' } as const;
const RECONNECT_CODE = 3100;
const WAIT_MS = 10_000;

/** Plain browser JavaScript, run after the bundle: the project compiles without DOM types. */
const PAGE_SCRIPT = `
const wire = { eventSources: [], streams: 0, emulation: 0 };
const NativeEventSource = EventSource;
globalThis.EventSource = class extends NativeEventSource {
  constructor(url, options) { super(url, options); wire.eventSources.push(new URL(url).pathname); }
};
const nativeFetch = fetch;
globalThis.fetch = (input, init) => {
  const path = new URL(String(input), location.href).pathname;
  if (path === '/connection/http_stream') wire.streams++;
  if (path === '/emulation') wire.emulation++;
  return nativeFetch(input, init);
};
const events = [];
function decode(data) {
  return data instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(data)) : data;
}
let sub;
globalThis.page = {
  events, wire,
  start({ base, transport, token, channel }) {
    const path = transport === 'sse' ? '/connection/sse' : '/connection/http_stream';
    const client = new Centrifuge([{ transport, endpoint: base + path }], {
      token, emulationEndpoint: base + '/emulation', minReconnectDelay: 1000, maxReconnectDelay: 1200,
    });
    client.on('connected', (c) => events.push({ event: 'connected', transport: c.transport }));
    client.on('connecting', (c) => events.push({ event: 'connecting', code: c.code }));
    client.on('disconnected', (c) => events.push({ event: 'disconnected', code: c.code }));
    client.on('error', (c) => events.push({ event: 'error', message: String(c.error && c.error.message) }));
    sub = client.newSubscription(channel);
    sub.on('subscribed', (c) => events.push({ event: 'subscribed', wasRecovering: c.wasRecovering, recovered: c.recovered }));
    sub.on('publication', (c) => events.push({ event: 'publication', offset: Number(c.offset), n: decode(c.data).n }));
    sub.on('error', (c) => events.push({ event: 'error', message: String(c.error && c.error.message) }));
    sub.subscribe();
    client.connect();
  },
  async presence() {
    const res = await sub.presence();
    return Object.values(res.clients).map((i) => i.user);
  },
};
`;

interface PageEvent {
  event: string;
  [field: string]: unknown;
}
interface PageGlobal {
  events: PageEvent[];
  wire: { eventSources: string[]; streams: number; emulation: number };
  start(options: { base: string; transport: string; token: string; channel: string }): void;
  presence(): Promise<string[]>;
}
declare const page: PageGlobal;

async function startPageServer(): Promise<Server> {
  const dist = join(ROOT, 'node_modules/centrifuge/dist');
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://page').pathname;
    const encoding = Object.keys(BUNDLES).find((e) => path === `/${e}`) as keyof typeof BUNDLES | undefined;
    if (encoding !== undefined) {
      const html = `<!doctype html><meta charset="utf-8"><script src="/${BUNDLES[encoding]}"></script><script>${PAGE_SCRIPT}</script>`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      return;
    }
    const bundle = Object.values(BUNDLES).find((b) => path === `/${b}`);
    if (bundle === undefined) {
      res.writeHead(404).end();
      return;
    }
    readFile(join(dist, bundle)).then(
      (body) => res.writeHead(200, { 'content-type': 'text/javascript' }).end(body),
      (error: Error) => res.writeHead(500).end(error.message),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function until(tab: Page, what: string, probe: (events: PageEvent[]) => boolean): Promise<void> {
  try {
    await waitFor(async () => probe(await tab.evaluate(() => page.events)), { timeoutMs: WAIT_MS });
  } catch (error) {
    const tail = (await tab.evaluate(() => page.events)).slice(-10).map((e) => JSON.stringify(e));
    throw new Error(`page: ${what}: ${(error as Error).message}\n  ${tail.join('\n  ')}`, { cause: error });
  }
}

const CASES = [
  { transport: 'http_stream', encoding: 'json', via: 'direct' },
  { transport: 'http_stream', encoding: 'protobuf', via: 'direct' },
  { transport: 'sse', encoding: 'json', via: 'direct' },
  { transport: 'http_stream', encoding: 'json', via: 'nginx' },
  { transport: 'http_stream', encoding: 'protobuf', via: 'nginx' },
  { transport: 'sse', encoding: 'json', via: 'nginx' },
] as const;

describe('browser bundles in Chromium over http_stream and sse', { timeout: 120_000 }, () => {
  const t = setup();
  let origin: string;
  let node: TestNode;
  let nginx: StreamNginx;
  let browser: Browser;
  before(async () => {
    const server = t.defer(await startPageServer(), (s) => new Promise((r) => s.close(r)));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    node = await t.node({ ...streamConfig, client: { allowed_origins: [origin] } });
    nginx = t.defer(await startStreamNginx([node.port]), (n) => n.stop());
    browser = await t.browser();
  });
  after(() => t.cleanup());

  for (const c of CASES) {
    it(`${c.transport}, ${c.encoding} bundle, ${c.via}: live, presence, recovery after 3100`, async () => {
      const tab = await browser.newPage();
      t.defer(tab, (p) => p.close());
      const pageErrors: string[] = [];
      tab.on('pageerror', (error) => pageErrors.push(error.message));
      await tab.goto(`${origin}/${c.encoding}`);
      const base = c.via === 'nginx' ? nginx.baseUrl : node.baseUrl;
      const user = `browser-${c.transport}-${c.encoding}-${c.via}`;
      const channel = `chat:${user}`;
      await tab.evaluate((o) => page.start(o), {
        base,
        transport: c.transport,
        token: await token(user),
        channel,
      });
      await until(tab, 'subscribed', (e) => e.some((x) => x.event === 'subscribed'));
      const publications = async () =>
        (await tab.evaluate(() => page.events)).filter((e) => e.event === 'publication');

      for (let n = 1; n <= 3; n++) await publish(node.baseUrl, channel, n);
      await until(tab, 'three publications', (e) => e.filter((x) => x.event === 'publication').length >= 3);
      assert.deepEqual(await tab.evaluate(() => page.presence()), [user]);

      const res = await node.api('disconnect', {
        user,
        disconnect: { code: RECONNECT_CODE, reason: 'away' },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await until(tab, 'the 3100 disconnect push', (e) =>
        e.some((x) => x.event === 'connecting' && x['code'] === RECONNECT_CODE),
      );
      for (let n = 4; n <= 10; n++) await publish(node.baseUrl, channel, n);
      const connectedWhileAway = (await tab.evaluate(() => page.events)).filter(
        (e) => e.event === 'connected',
      );
      assert.equal(
        connectedWhileAway.length,
        1,
        'back before the missed publications were made: raise minReconnectDelay',
      );
      await until(tab, 'resubscribed', (e) => e.filter((x) => x.event === 'subscribed').length >= 2);
      await until(tab, 'ten publications', (e) => e.filter((x) => x.event === 'publication').length >= 10);
      await sleep(300);

      const events = await tab.evaluate(() => page.events);
      const pubs = await publications();
      assert.deepEqual(
        pubs.map((p) => p['n']),
        range(1, 10),
        'every publication once and in order',
      );
      assert.deepEqual(
        pubs.map((p) => p['offset']),
        range(1, 10),
      );
      const subscribed = events.filter((e) => e.event === 'subscribed');
      assert.deepEqual(subscribed.at(-1), { event: 'subscribed', wasRecovering: true, recovered: true });
      assert.deepEqual(
        events.filter((e) => e.event === 'connected').map((e) => e['transport']),
        [c.transport, c.transport],
      );
      assert.deepEqual(
        events.filter((e) => e.event === 'error'),
        [],
      );
      assert.deepEqual(pageErrors, []);
      if (c.via === 'nginx') {
        const path = c.transport === 'sse' ? '/connection/sse?' : '/connection/http_stream';
        const log = nginx.accessLog();
        assert.ok(
          log.some((l) => l.uri.startsWith(path) && l.status === 200),
          `the stream went through nginx`,
        );
        assert.ok(
          log.some((l) => l.uri === '/emulation' && l.status === 204),
          'commands went through nginx',
        );
      }
      const wire = await tab.evaluate(() => page.wire);
      assert.ok(wire.emulation >= 2, `commands went through /emulation (${wire.emulation})`);
      if (c.transport === 'sse') {
        assert.deepEqual(
          wire.eventSources,
          ['/connection/sse', '/connection/sse'],
          'a real EventSource, twice',
        );
        assert.equal(wire.streams, 0);
      } else {
        assert.equal(wire.streams, 2, 'two streaming fetches, one per connection');
        assert.deepEqual(wire.eventSources, []);
      }
    });
  }
});
