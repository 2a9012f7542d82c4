import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, resolveConfig } from '../../src/config/index.js';

function keyOf(raw: unknown): string {
  try {
    resolveConfig(raw);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, 'CONFIG_INVALID');
    return error.key;
  }
  assert.fail('expected a ConfigError');
}

describe('engine configuration', () => {
  it('is memory by default and redis once any Redis address is set', () => {
    assert.equal(resolveConfig({}).engine.type, 'memory');
    assert.equal(resolveConfig({ engine: { redis: { address: 'redis://h:6379' } } }).engine.type, 'redis');
    assert.equal(resolveConfig({ engine: { redis: { cluster_address: ['h:7000'] } } }).engine.type, 'redis');
    assert.equal(
      resolveConfig({ engine: { redis: { sentinel_address: ['h:26379'] } } }).engine.type,
      'redis',
    );
    assert.equal(
      resolveConfig({ engine: { type: 'memory', redis: { address: 'redis://h' } } }).engine.type,
      'memory',
    );
  });

  it('takes SWITCHBOARD_REDIS_URL', async () => {
    const config = await loadConfig({ env: { SWITCHBOARD_REDIS_URL: 'redis://10.0.0.5:6379' } });
    assert.equal(config.engine.type, 'redis');
    assert.equal(config.engine.redis.address, 'redis://10.0.0.5:6379');
  });

  it('refuses inconsistent Redis settings, naming the key', () => {
    assert.equal(keyOf({ engine: { type: 'nats' } }), 'engine.type');
    assert.equal(keyOf({ engine: { type: 'redis' } }), 'engine.redis.address');
    assert.equal(
      keyOf({ engine: { redis: { cluster_address: ['a:1'], sentinel_address: ['b:2'] } } }),
      'engine.redis.cluster_address',
    );
    assert.equal(keyOf({ engine: { redis: { prefix: '' } } }), 'engine.redis.prefix');
    assert.equal(keyOf({ engine: { redis: { prefix: 'a{b}' } } }), 'engine.redis.prefix');
    assert.equal(keyOf({ engine: { redis: { command_timeout: '0s' } } }), 'engine.redis.command_timeout');
    assert.equal(keyOf({ engine: { redis: { adress: 'x' } } }), 'engine.redis.adress');
  });
});
