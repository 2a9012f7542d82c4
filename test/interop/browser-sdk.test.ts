/**
 * The centrifuge npm package's browser bundles in headless Chromium against a real node: the
 * Protobuf build (`dist/centrifuge.protobuf.js`) and, for comparison, the JSON build
 * (`dist/centrifuge.js`), each loaded by a page this test serves from its own origin (which the
 * node's `allowed_origins` names, so the browser's Origin check is exercised too). In the page the
 * SDK connects with a token, subscribes with recovery, gets live publications made through the
 * server API, asks for presence and history, and after a server-API disconnect with a reconnect
 * code recovers what it missed, once and in order. The page records every SDK event and the
 * WebSocket's subprotocol and frame kinds in `globalThis.interop`; the test reads them with
 * `page.evaluate`.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { ROOT, setup, sleep, type TestNode, token, waitFor } from '../harness/index.js';

/** The two browser builds the package ships, and what each must speak on the wire. */
const BUILDS = [
  {
    encoding: 'protobuf',
    bundle: 'centrifuge.protobuf.js',
    subprotocol: 'centrifuge-protobuf',
    binary: true,
  },
  { encoding: 'json', bundle: 'centrifuge.js', subprotocol: '', binary: false },
] as const;

/** The namespace of sdk-suite.ts: recoverable stream, presence and history for subscribers. */
const chat = {
  name: 'chat',
  history_size: 100,
  history_ttl: '300s',
  force_recovery: true,
  presence: true,
  allow_presence_for_subscriber: true,
  allow_history_for_subscriber: true,
};
const SETTLE_MS = 300;
const CUSTOM_RECONNECT_CODE = 3100;
/** Long enough that every publication made while the page is away is made before it is back. */
const MIN_RECONNECT_DELAY_MS = 1500;
const WAIT_MS = 15_000;

const message = (n: number) => ({ n, text: `nº ${n} ✓` });
const expected = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ offset: i + 1, data: message(i + 1) }));

/**
 * What runs in the page, after the bundle (which sets `globalThis.Centrifuge`). Plain browser
 * JavaScript: the project compiles without DOM types. WebSocket is wrapped first, so the test
 * sees the subprotocol the server accepted and whether frames were binary or text.
 */
const PAGE_SCRIPT = `
const wire = { subprotocols: [], binaryFrames: 0, textFrames: 0 };
const NativeWebSocket = WebSocket;
globalThis.WebSocket = class extends NativeWebSocket {
  constructor(url, protocols) {
    super(url, protocols);
    this.addEventListener('open', () => wire.subprotocols.push(this.protocol));
    this.addEventListener('message', (e) => {
      if (typeof e.data === 'string') wire.textFrames++;
      else wire.binaryFrames++;
    });
  }
};
const events = [];
const record = (event, fields) => events.push({ event, ...fields });
// The JSON build hands data decoded; the Protobuf build the JSON's bytes.
function payload(data) {
  if (!(data instanceof Uint8Array)) return { data };
  try {
    return { data: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data)) };
  } catch {
    return { dataBase64: btoa(String.fromCharCode(...data)) };
  }
}
const errorFields = (e) => ({ message: e.error?.message ?? String(e.error), code: e.error?.code });
let client;
let sub;
globalThis.interop = {
  events,
  wire,
  start({ url, token, channel, minReconnectDelay }) {
    client = new Centrifuge(url, { token, minReconnectDelay, name: 'switchboard-interop-browser' });
    client.on('connecting', (c) => record('connecting', { code: c.code, reason: c.reason }));
    client.on('connected', (c) => record('connected', { client: c.client, version: c.version }));
    client.on('disconnected', (c) => record('disconnected', { code: c.code, reason: c.reason }));
    client.on('error', (c) => record('error', errorFields(c)));
    sub = client.newSubscription(channel);
    sub.on('subscribing', (c) => record('subscribing', { code: c.code, reason: c.reason }));
    sub.on('subscribed', (c) => record('subscribed', {
      recovered: c.recovered, wasRecovering: c.wasRecovering, recoverable: c.recoverable,
      positioned: c.positioned,
      offset: c.streamPosition === undefined ? undefined : Number(c.streamPosition.offset),
      epoch: c.streamPosition?.epoch,
    }));
    sub.on('unsubscribed', (c) => record('unsubscribed', { code: c.code, reason: c.reason }));
    sub.on('error', (c) => record('error', { channel, ...errorFields(c) }));
    sub.on('publication', (c) => record('publication', { offset: Number(c.offset), ...payload(c.data) }));
    sub.subscribe();
    client.connect();
  },
  async presence() {
    const res = await sub.presence();
    return Object.values(res.clients).map((i) => ({ client: i.client, user: i.user }));
  },
  async history(limit) {
    const res = await sub.history({ limit });
    return {
      offset: Number(res.offset), epoch: res.epoch,
      publications: res.publications.map((p) => ({ offset: Number(p.offset), ...payload(p.data) })),
    };
  },
};
`;

const page = (bundle: string) => `<!doctype html>
<meta charset="utf-8">
<title>centrifuge ${bundle}</title>
<script src="/${bundle}"></script>
<script>${PAGE_SCRIPT}</script>
`;

/** Serves one page per build at `/<encoding>` and the bundles next to it, on a free port. */
async function startPageServer(): Promise<Server> {
  const dist = join(ROOT, 'node_modules/centrifuge/dist');
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://page').pathname;
    const build = BUILDS.find((b) => path === `/${b.encoding}`);
    if (build !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(build.bundle));
      return;
    }
    const bundle = BUILDS.find((b) => path === `/${b.bundle}`)?.bundle;
    if (bundle === undefined) {
      res.writeHead(404).end();
      return;
    }
    readFile(join(dist, bundle)).then(
      (body) => res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(body),
      (error: Error) => res.writeHead(500).end(error.message),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** An event as the page recorded it; the fields are those of harness.ts's EventFields. */
interface PageEvent {
  event: string;
  [field: string]: unknown;
}

interface Wire {
  subprotocols: string[];
  binaryFrames: number;
  textFrames: number;
}

/**
 * The page's `globalThis.interop`, for the functions passed to `page.evaluate`: they run in the
 * page, so they name its global, never a binding of this module.
 */
interface PageInterop {
  events: PageEvent[];
  wire: Wire;
  start(options: { url: string; token: string; channel: string; minReconnectDelay: number }): void;
  presence(): Promise<{ client: string; user: string }[]>;
  history(limit: number): Promise<{ offset: number; epoch: string; publications: unknown[] }>;
}
declare const interop: PageInterop;

/** The page's recorder, read from the test's side. */
class PageClient {
  constructor(readonly page: Page) {}

  events(): Promise<PageEvent[]> {
    return this.page.evaluate(() => interop.events);
  }

  async all(name: string): Promise<PageEvent[]> {
    return (await this.events()).filter((e) => e.event === name);
  }

  async publications(): Promise<{ offset: unknown; data: unknown }[]> {
    return (await this.all('publication')).map((p) => ({ offset: p['offset'], data: p['data'] }));
  }

  /** Waits for the `nth` (0-based) event of a kind; names the page's last events when it times out. */
  async nth(name: string, nth = 0, where: (e: PageEvent) => boolean = () => true): Promise<PageEvent> {
    return this.#explained(`event ${name} #${nth}`, async () =>
      waitFor(async () => (await this.all(name)).filter(where)[nth], { timeoutMs: WAIT_MS }),
    );
  }

  async untilPublications(count: number): Promise<void> {
    await this.#explained(`${count} publications`, async () =>
      waitFor(async () => (await this.all('publication')).length >= count || undefined, {
        timeoutMs: WAIT_MS,
      }),
    );
  }

  async #explained<T>(what: string, wait: () => Promise<T>): Promise<T> {
    try {
      return await wait();
    } catch (error) {
      const tail = (await this.events()).slice(-15).map((e) => JSON.stringify(e));
      throw new Error(`page: ${what}: ${(error as Error).message}\n  ${tail.join('\n  ')}`, { cause: error });
    }
  }
}

async function publish(node: TestNode, channel: string, n: number): Promise<void> {
  const res = await node.api('publish', { channel, data: message(n) });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal((res.body['result'] as { offset: number }).offset, n);
}

describe('centrifuge JS SDK browser bundles in Chromium', { timeout: 120_000 }, () => {
  for (const build of BUILDS) {
    it(`${build.bundle}: ${build.encoding} protocol, live, presence, history, recovery after a reconnect`, async () => {
      await using t = setup();
      const server = t.defer(await startPageServer(), (s) => new Promise((r) => s.close(r)));
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const node = await t.node({
        channel: { namespaces: [chat] },
        client: { allowed_origins: [origin] },
      });
      const browser = await t.browser();
      const tab = await browser.newPage();
      const pageErrors: string[] = [];
      tab.on('pageerror', (error) => pageErrors.push(error.message));
      await tab.goto(`${origin}/${build.encoding}`);

      const channel = 'chat:browser';
      const user = `browser-${build.encoding}`;
      const options = {
        url: node.wsUrl,
        token: await token(user),
        channel,
        minReconnectDelay: MIN_RECONNECT_DELAY_MS,
      };
      await tab.evaluate((o) => interop.start(o), options);
      const client = new PageClient(tab);

      const connected = await client.nth('connected');
      const subscribed = await client.nth('subscribed');
      assert.equal(subscribed['wasRecovering'], false);
      assert.equal(subscribed['recovered'], false);
      assert.equal(subscribed['recoverable'], true, 'force_recovery makes the subscription recoverable');
      assert.equal(subscribed['offset'], 0);
      assert.ok(subscribed['epoch'], 'a recoverable subscription has an epoch');

      for (let n = 1; n <= 3; n++) await publish(node, channel, n);
      await client.untilPublications(3);
      assert.deepEqual(await tab.evaluate(() => interop.presence()), [{ client: connected['client'], user }]);
      const history = await tab.evaluate(() => interop.history(-1));
      assert.deepEqual(history, { offset: 3, epoch: subscribed['epoch'], publications: expected(3) });

      // Away: a server-API disconnect with a reconnect code; the publications made meanwhile must be
      // recovered by the resubscribe.
      const res = await node.api('disconnect', {
        user,
        disconnect: { code: CUSTOM_RECONNECT_CODE, reason: 'interop reconnect' },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await client.nth('connecting', 0, (e) => e['code'] === CUSTOM_RECONNECT_CODE);
      for (let n = 4; n <= 13; n++) await publish(node, channel, n);
      assert.equal(
        (await client.all('connected')).length,
        1,
        'the page came back before the missed publications were made: raise MIN_RECONNECT_DELAY_MS',
      );
      const resubscribed = await client.nth('subscribed', 1);
      assert.equal(resubscribed['wasRecovering'], true);
      assert.equal(resubscribed['recovered'], true);
      await client.untilPublications(13);
      for (let n = 14; n <= 15; n++) await publish(node, channel, n);
      await client.untilPublications(15);

      await sleep(SETTLE_MS);
      assert.deepEqual(await client.publications(), expected(15));
      assert.equal((await client.all('connected')).length, 2);
      assert.deepEqual(await client.all('disconnected'), []);
      assert.deepEqual(await client.all('error'), []);
      assert.deepEqual(pageErrors, []);

      // The build spoke the protocol it is for: the subprotocol the server accepted, and frame kinds.
      const wire = await tab.evaluate(() => interop.wire);
      assert.deepEqual(wire.subprotocols, [build.subprotocol, build.subprotocol]);
      if (build.binary) {
        assert.ok(wire.binaryFrames > 0);
        assert.equal(wire.textFrames, 0);
      } else {
        assert.ok(wire.textFrames > 0);
        assert.equal(wire.binaryFrames, 0);
      }
    });
  }
});
