/** API key rotation: `http_api.extra_keys` are accepted beside `http_api.key`, nothing else is. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestNode, TEST_API_KEY, type TestNode } from '../harness/node.js';
import { apiError, postApi } from './helpers.js';

describe('server API keys for rotation', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode({ http_api: { extra_keys: ['next-key-0123456789', 'older-key-9876543210'] } });
  });
  after(() => node.stop());

  it('accepts http_api.key and every extra key, in X-API-Key and Authorization', async () => {
    for (const key of [TEST_API_KEY, 'next-key-0123456789', 'older-key-9876543210']) {
      const res = await postApi(node, 'info', '{}', { 'x-api-key': key });
      assert.equal(res.status, 200, key);
      const auth = await postApi(node, 'info', '{}', { authorization: `apikey ${key}` });
      assert.equal(auth.status, 200, key);
    }
  });

  it('refuses any other key with 401 and code 101', async () => {
    for (const key of ['next-key-012345678', 'NEXT-KEY-0123456789', 'next-key-01234567890', '']) {
      const res = await postApi(node, 'info', '{}', { 'x-api-key': key });
      assert.equal(res.status, 401, JSON.stringify(key));
      assert.equal(apiError(res.body).code, 101);
    }
  });

  it('comes from the environment like every key', async () => {
    const { loadConfig } = await import('../../src/config/index.js');
    const config = await loadConfig({
      env: { SWITCHBOARD_HTTP_API_KEY: 'a-key', SWITCHBOARD_HTTP_API_EXTRA_KEYS: 'b-key c-key' },
    });
    assert.deepEqual([config.http_api.key, ...config.http_api.extra_keys], ['a-key', 'b-key', 'c-key']);
  });
});
