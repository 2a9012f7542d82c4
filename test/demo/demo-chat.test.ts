/**
 * The chat demo end to end in Chromium: two nodes sharing a real Redis, alice on node 1 and bob on
 * node 2 join a room, see each other in its presence list, exchange room messages and a direct
 * message; carol, joining later on node 2, sees the room's history. Alice's view is saved as
 * test-artifacts/demo.png (the README screenshot, docs/images/demo.png, is a copy of it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { DEMO_CHAT_NAMESPACE } from '../../src/demo/namespace.js';
import { artifactPath, launchBrowser } from '../harness/browser.js';
import { startTestNode, type TestNode } from '../harness/node.js';
import { type RedisServer, startRedis } from '../harness/redis.js';

const WAIT_MS = 20_000;
const VIEWPORT = { width: 1280, height: 800 };

/** Opens the demo on a node and connects as `user`; resolves once the page says "connected". */
async function openAs(browser: Browser, node: TestNode, user: string): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[${user}] page error:`, error));
  await page.goto(`${node.baseUrl}/`);
  await page.fill('#login-name', user);
  await page.click('#login button[type=submit]');
  await page.locator('#status', { hasText: /^connected$/ }).waitFor({ timeout: WAIT_MS });
  return page;
}

/** Waits until the list `selector` has an item containing `text`. */
function waitForItem(page: Page, selector: string, text: string): Promise<void> {
  return page.locator(`${selector} li`, { hasText: text }).first().waitFor({ timeout: WAIT_MS });
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill('#send-text', text);
  await page.press('#send-text', 'Enter');
}

describe('chat demo in a browser, two nodes on Redis', () => {
  let redis: RedisServer;
  let node1: TestNode;
  let node2: TestNode;
  let browser: Browser;

  before(async () => {
    redis = await startRedis();
    const overrides = {
      engine: { redis: { address: redis.url } },
      channel: { namespaces: [DEMO_CHAT_NAMESPACE] },
      demo: { enabled: true },
    };
    node1 = await startTestNode(overrides);
    node2 = await startTestNode(overrides);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await node1?.stop();
    await node2?.stop();
    await redis?.stop();
  });

  it('rooms, presence, messages, a direct message and history on join', async () => {
    const alice = await openAs(browser, node1, 'alice');
    const bob = await openAs(browser, node2, 'bob');

    // Both are in #lobby and see each other there, across nodes.
    for (const page of [alice, bob]) {
      await waitForItem(page, '#presence', 'alice');
      await waitForItem(page, '#presence', 'bob');
    }
    assert.deepEqual(await alice.locator('#presence li').allTextContents(), ['alice', 'bob']);

    await say(alice, 'hi bob, this is node 1');
    await waitForItem(bob, '#messages', 'hi bob, this is node 1');
    await say(bob, 'hello alice, node 2 here');
    await waitForItem(alice, '#messages', 'hello alice, node 2 here');

    // A direct message: picked from the presence list, delivered on bob's personal channel.
    await alice.locator('#presence li', { hasText: 'bob' }).click();
    assert.equal(await alice.inputValue('#dm-to'), 'bob');
    await alice.fill('#dm-text', 'psst, just for you');
    await alice.press('#dm-text', 'Enter');
    await waitForItem(bob, '#dms', 'psst, just for you');
    assert.match((await bob.locator('#dms li').first().textContent()) ?? '', /^from alice/);
    await waitForItem(alice, '#dms', 'psst, just for you');
    assert.equal(await bob.locator('#dm-error').textContent(), '');

    // Carol arrives later and gets the conversation from history.
    const carol = await openAs(browser, node2, 'carol');
    await waitForItem(carol, '#messages', 'hi bob, this is node 1');
    await waitForItem(carol, '#messages', 'hello alice, node 2 here');
    const texts = await carol.locator('#messages li').allTextContents();
    assert.ok(
      texts.indexOf('alicehi bob, this is node 1') < texts.indexOf('bobhello alice, node 2 here'),
      `history out of order: ${JSON.stringify(texts)}`,
    );
    await waitForItem(alice, '#presence', 'carol');
    // Carol does not see alice's direct message to bob.
    assert.equal(await carol.locator('#dms li').count(), 0);

    await say(carol, 'hi all, I just read the history');
    await waitForItem(alice, '#messages', 'hi all, I just read the history');
    await alice.screenshot({ path: artifactPath('demo.png') });
    await bob.screenshot({ path: artifactPath('demo-bob.png') });
    await carol.screenshot({ path: artifactPath('demo-carol.png') });

    // Another room: the presence list follows the room.
    await alice.fill('#room-name', 'random');
    await alice.press('#room-name', 'Enter');
    await alice.locator('#room-title', { hasText: '# random' }).waitFor({ timeout: WAIT_MS });
    await waitForItem(alice, '#presence', 'alice');
    await waitForItem(bob, '#messages', 'alice left');
    assert.deepEqual(await alice.locator('#presence li').allTextContents(), ['alice']);
  });
});
