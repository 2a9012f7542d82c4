/**
 * `client.allowed_origins` on the WebSocket upgrade: exact origins and `*` wildcards pass, anything else
 * is answered 403 before the upgrade; a request without Origin (not a browser) passes; an empty list
 * allows every origin.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { WEBSOCKET_PATH } from '../../src/gateway/ws/websocket-endpoint.js';
import { startTestNode, type TestNode } from '../harness/node.js';

/** Sends a WebSocket upgrade request with this Origin (none when undefined); resolves with the status. */
function upgradeStatus(port: number, origin: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': randomBytes(16).toString('base64'),
    };
    if (origin !== undefined) headers['origin'] = origin;
    const req = request({ host: '127.0.0.1', port, path: WEBSOCKET_PATH, headers });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const ALLOWED = ['https://app.example.com', 'https://*.example.org', 'http://localhost:*'];

describe('allowed origins on the WebSocket upgrade', () => {
  for (const transport of ['lean', 'ws'] as const) {
    describe(`${transport} transport`, () => {
      let node: TestNode;
      before(async () => {
        node = await startTestNode({ client: { allowed_origins: ALLOWED }, websocket: { transport } });
      });
      after(() => node.stop());

      const cases: [string, string | undefined, number][] = [
        ['exact origin', 'https://app.example.com', 101],
        ['exact origin in other case (origins are case-insensitive)', 'HTTPS://APP.EXAMPLE.COM', 101],
        ['wildcard subdomain', 'https://chat.example.org', 101],
        ['wildcard, two levels of subdomain', 'https://eu.chat.example.org', 101],
        ['wildcard port', 'http://localhost:3000', 101],
        ['no Origin header (not a browser)', undefined, 101],
        ['another site', 'https://evil.example.net', 403],
        ['allowed origin as a prefix of another host', 'https://app.example.com.evil.net', 403],
        ['allowed origin with another port', 'https://app.example.com:8443', 403],
        ['allowed host over another scheme', 'http://app.example.com', 403],
        ['wildcard does not match the bare domain', 'https://example.org', 403],
        ['wildcard does not match a lookalike domain', 'https://evilexample.org', 403],
        ['wildcard does not cross a path', 'https://evil.net/.example.org', 403],
        ['opaque origin "null" (sandboxed iframe, file://)', 'null', 403],
        ['empty Origin header', '', 403],
        ['two origins in one header', 'https://app.example.com, https://evil.example.net', 403],
      ];
      for (const [name, origin, status] of cases) {
        it(`${name}: ${status}`, async () => {
          assert.equal(await upgradeStatus(node.port, origin), status);
        });
      }
    });
  }

  it('allows every origin when the list is empty, and any with "*"', async () => {
    const open = await startTestNode();
    const star = await startTestNode({ client: { allowed_origins: ['*'] } });
    try {
      assert.equal(await upgradeStatus(open.port, 'https://evil.example.net'), 101);
      assert.equal(await upgradeStatus(star.port, 'https://evil.example.net'), 101);
      assert.equal(await upgradeStatus(star.port, 'null'), 101);
    } finally {
      await Promise.all([open.stop(), star.stop()]);
    }
  });
});
