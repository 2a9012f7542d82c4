/**
 * The admin page in a real browser against two nodes on one Redis: login, both nodes with their
 * connection counts, the throughput chart, channels, user lookup, publish and disconnect.
 * `UPDATE_DOCS_SCREENSHOT=1` also writes the screenshot to docs/images/admin.png.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  artifactPath,
  closeCode,
  launchBrowser,
  type RawClient,
  type RedisServer,
  rawConnect,
  sleep,
  startRedis,
  startTestNode,
  type TestNode,
  waitFor,
} from '../harness/index.js';
import { ADMIN_PASSWORD, adminConfig } from './helpers.js';

const TIMEOUT = 15_000;

/** The part of a browser canvas the chart check reads (the project compiles without DOM types). */
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}

/** Polls the text of the first element matching `selector` until `check` accepts it. */
async function waitText(page: Page, selector: string, check: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + TIMEOUT;
  let last = '';
  for (;;) {
    const element = await page.$(selector);
    last = element === null ? '(absent)' : ((await element.textContent()) ?? '');
    if (check(last)) return last;
    if (Date.now() > deadline) throw new Error(`${selector}: text "${last}" not as expected`);
    await sleep(100);
  }
}

describe('admin UI in a browser, two nodes on Redis', { timeout: 120_000 }, () => {
  let redis: RedisServer;
  let nodes: TestNode[] = [];
  let browser: Browser;
  let page: Page;
  let publisher: NodeJS.Timeout | undefined;
  const clients: RawClient[] = [];
  const byUser = new Map<string, RawClient>();
  /** Script errors and console errors of the page (a Content-Security-Policy violation is one). */
  const pageErrors: string[] = [];

  const connect = async (node: TestNode, user: string, channels: string[]): Promise<void> => {
    const raw = await rawConnect(node.wsUrl);
    clients.push(raw);
    byUser.set(user, raw);
    await raw.call(1, 'connect', { token: await node.token(user) });
    for (const [i, channel] of channels.entries()) await raw.call(2 + i, 'subscribe', { channel });
  };

  before(async () => {
    redis = await startRedis();
    const onRedis = (name: string) => ({
      ...adminConfig,
      node: { name },
      engine: { redis: { address: redis.url } },
      // The raw clients do not answer pings; with the default 25 s they would be closed mid-test.
      client: { ping_interval: '10m', pong_timeout: '1m' },
    });
    nodes = [await startTestNode(onRedis('node-a')), await startTestNode(onRedis('node-b'))];
    const [a, b] = nodes as [TestNode, TestNode];
    await connect(a, 'alice', ['news', 'lobby']);
    await connect(a, 'dan', ['lobby']);
    await connect(a, 'erin', ['lobby', 'prices']);
    await connect(b, 'bob', ['news']);
    await connect(b, 'carol', ['sports']);
    // Traffic for the chart, every 200 ms: a publication to `news` (received by both nodes, one
    // subscriber on each) and one to `lobby` (three subscribers on node-a): 15 in/s, 25 out/s.
    let n = 0;
    publisher = setInterval(() => {
      void a.api('publish', { channel: 'news', data: { n } });
      void a.api('publish', { channel: 'lobby', data: { n: n++ } });
    }, 200);
    const names = async () => {
      const res = await a.api('info');
      return (res.body['result'] as { nodes: { name: string }[] }).nodes.map((x) => x.name);
    };
    const deadline = Date.now() + TIMEOUT;
    while ((await names()).length < 2) {
      if (Date.now() > deadline) throw new Error('the two nodes did not see each other');
      await sleep(100);
    }
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      // The wrong password of the first test is an expected 401.
      if (message.type() === 'error' && !message.text().includes('401')) pageErrors.push(message.text());
    });
  });

  after(async () => {
    clearInterval(publisher);
    await browser?.close();
    for (const c of clients) c.close();
    for (const node of nodes) await node.stop();
    await redis?.stop();
  });

  it('asks for the password and refuses a wrong one', async () => {
    await page.goto(`${nodes[0]!.baseUrl}/admin/`);
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('button[type=submit]');
    await waitText(page, '.login .error', (t) => t.includes('Wrong password'));
  });

  it('logs in and shows both nodes with their connection counts', async () => {
    await page.fill('input[name=password]', ADMIN_PASSWORD);
    await page.click('button[type=submit]');
    await waitText(page, 'tr[data-node="node-a"] td[data-col="connections"]', (t) => t === '3');
    await waitText(page, 'tr[data-node="node-b"] td[data-col="connections"]', (t) => t === '2');
  });

  it('draws the throughput chart from successive readings', async () => {
    await page.waitForSelector('.chart canvas', { timeout: TIMEOUT });
    const deadline = Date.now() + TIMEOUT;
    for (;;) {
      const points = Number(await page.getAttribute('.chart', 'data-points'));
      if (points >= 3) break;
      if (Date.now() > deadline) throw new Error(`chart has ${points} points`);
      await sleep(200);
    }
    // The `in` line is drawn: some pixels of the canvas are close to its blue (37, 99, 235); the
    // light fill under it and the green `out` line are not.
    const blue = await page.$eval('.chart canvas', (canvas) => {
      const c = canvas as unknown as Canvas;
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let count = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i]! < 120 && data[i + 1]! < 160 && data[i + 2]! > 180) count++;
      }
      return count;
    });
    assert.ok(blue > 0, 'no pixel of the in/s line');
  });

  it('lists channels with subscriber counts and filters them', async () => {
    await waitText(page, 'tr[data-channel="lobby"] td.num', (t) => t === '3');
    await waitText(page, 'tr[data-channel="news"] td.num', (t) => t === '2');
    await page.fill('input.filter', 'spo');
    await waitText(page, 'tr[data-channel="sports"] td.num', (t) => t === '1');
    assert.equal(await page.$('tr[data-channel="news"]'), null);
    await page.fill('input.filter', '');
    await waitText(page, 'tr[data-channel="news"] td.num', (t) => t === '2');
  });

  it('looks up a user and shows the node it is connected to', async () => {
    await page.fill('input[aria-label="User ID"]', 'bob');
    await page.click('form:has(input[aria-label="User ID"]) button');
    await waitText(page, '.user-result td[data-col="node"]', (t) => t === 'node-b');
    const forDocs = process.env['UPDATE_DOCS_SCREENSHOT'] === '1';
    // For the docs, a chart with half a minute of readings.
    if (forDocs) await page.waitForSelector('.chart[data-points="30"]', { timeout: 60_000 });
    await page.screenshot({ path: artifactPath('admin.png') });
    if (forDocs) {
      const docs = new URL('../../docs/images/', import.meta.url).pathname;
      mkdirSync(docs, { recursive: true });
      copyFileSync(artifactPath('admin.png'), `${docs}admin.png`);
    }
  });

  it('publishes a test message that a subscribed client receives', async () => {
    const carol = byUser.get('carol')!;
    await page.fill('input[name=channel]', 'sports');
    await page.fill('textarea[name=data]', '{"score": "2:1"}');
    await page.click('form:has(textarea[name=data]) button');
    await waitText(page, '.publish-result', (t) => t.includes('Published to sports'));
    await waitFor(() => carol.received.some((m) => JSON.stringify(m).includes('"score":"2:1"')), 'the push');
  });

  it('disconnects a user after confirmation', async () => {
    const bob = byUser.get('bob')!;
    await page.fill('input[aria-label="User ID to disconnect"]', 'bob');
    await page.click('button.danger:has-text("Disconnect…")');
    await page.waitForSelector('[role=alertdialog]', { timeout: TIMEOUT });
    assert.equal(bob.ws.readyState, bob.ws.OPEN, 'closed before confirmation');
    await page.click('button:has-text("Yes, disconnect")');
    assert.equal(await closeCode(bob, TIMEOUT), 3503);
    await waitText(page, '.disconnect-result', (t) => t.includes('Disconnected every connection of bob'));
    await waitText(page, 'tr[data-node="node-b"] td[data-col="connections"]', (t) => t === '1');
  });

  it('ran without script errors or blocked resources', () => {
    assert.deepEqual(pageErrors, []);
  });
});
