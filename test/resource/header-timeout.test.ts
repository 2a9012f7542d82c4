/**
 * `http_server.header_timeout` cuts sockets that are silent or slow before their request head is
 * complete, and nothing after the upgrade: an idle WebSocket lives on, with either transport.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorCode, rawConnect, sleep, startTestNode, tcpConnect } from '../harness/index.js';
import { closedAfter } from './helpers.js';

describe('resource: http_server.header_timeout', () => {
  for (const transport of ['lean', 'ws'] as const) {
    it(`${transport}: a silent socket is cut after the timeout, an idle WebSocket is not`, async () => {
      const node = await startTestNode({
        http_server: { header_timeout: '500ms' },
        websocket: { transport },
        client: { ping_interval: '30s', pong_timeout: '10s' },
      });
      try {
        const client = await rawConnect(node.wsUrl);
        assert.equal(
          errorCode(await client.call(1, 'connect', { token: await node.token('u1') })),
          undefined,
        );
        const startedAt = Date.now();
        const silent = await tcpConnect(node.port);
        const elapsed = await Promise.race([closedAfter(silent, startedAt), sleep(5000).then(() => -1)]);
        assert.ok(elapsed >= 400 && elapsed < 5000, `silent socket closed after ${elapsed} ms`);
        // Well past the header timeout, the upgraded connection is still open and served.
        await sleep(1500);
        assert.equal(client.ws.readyState, client.ws.OPEN);
        assert.equal(errorCode(await client.call(2, 'ping', {})), undefined);
        client.close();
      } finally {
        await node.stop();
      }
    });
  }

  it('the timeout must be greater than zero', async () => {
    await assert.rejects(startTestNode({ http_server: { header_timeout: 0 } }), /header_timeout/);
  });
});
