/**
 * Every config key from the environment: `SWITCHBOARD_` + the key's path joined by `_`, upper-cased,
 * each value read as its key's type; bad values fail start-up naming the variable and the key.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CONFIG_ENV_VARS,
  configVariables,
  defaultConfig,
  loadConfig,
  unknownConfigVariables,
} from '../../src/config/index.js';
import { rejectsConfigError } from './assert-config-error.js';

/** Every key path of the default configuration, sections included. */
function paths(node: Record<string, unknown>, at: string[] = []): string[][] {
  return Object.entries(node).flatMap(([key, value]) => {
    const path = [...at, key];
    const inner =
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? paths(value as Record<string, unknown>, path)
        : [];
    return [path, ...inner];
  });
}

describe('configuration from SWITCHBOARD_* variables', () => {
  it('names every key and section of the configuration, each by a variable of its own', () => {
    const all = paths(defaultConfig() as unknown as Record<string, unknown>);
    const variables = configVariables();
    assert.equal(variables.size, all.length, 'two keys would share a variable name');
    for (const path of all) {
      const name = `SWITCHBOARD_${path.join('_').toUpperCase()}`;
      assert.deepEqual(variables.get(name)?.path, path, name);
    }
    assert.ok(all.length > 200, `${all.length} keys`);
  });

  it('sets strings, secrets, booleans, counts and durations', async () => {
    const config = await loadConfig({
      env: {
        SWITCHBOARD_CLIENT_TOKEN_HMAC_SECRET_KEY: 'from-env-secret',
        SWITCHBOARD_HTTP_API_INSECURE: 'true',
        SWITCHBOARD_CLIENT_CHANNEL_LIMIT: '7',
        SWITCHBOARD_CLIENT_PING_INTERVAL: '40s',
        SWITCHBOARD_CLIENT_WRITE_DELAY: '3ms',
        SWITCHBOARD_ENGINE_REDIS_ADDRESS: 'redis://10.1.2.3:6379',
        SWITCHBOARD_ENGINE_REDIS_PASSWORD: 'p@ss word',
        SWITCHBOARD_HTTP_SERVER_PORT: '9123',
      },
    });
    assert.equal(config.client.token.hmac_secret_key, 'from-env-secret');
    assert.equal(config.http_api.insecure, true);
    assert.equal(config.client.channel_limit, 7);
    assert.equal(config.client.ping_interval, 40_000);
    assert.equal(config.client.write_delay, 3);
    assert.equal(config.engine.redis.address, 'redis://10.1.2.3:6379');
    assert.equal(config.engine.redis.password, 'p@ss word');
    assert.equal(config.http_server.port, 9123);
  });

  it('takes lists as words or as a JSON array, and sections and lists of objects as JSON', async () => {
    const words = await loadConfig({
      env: { SWITCHBOARD_CLIENT_ALLOWED_ORIGINS: 'https://a.example, https://b.example  https://c.example' },
    });
    assert.deepEqual(words.client.allowed_origins, [
      'https://a.example',
      'https://b.example',
      'https://c.example',
    ]);
    const json = await loadConfig({
      env: {
        SWITCHBOARD_CLIENT_ALLOWED_ORIGINS: '["https://a.example"]',
        SWITCHBOARD_CHANNEL_NAMESPACES:
          '[{"name":"chat","presence":true,"history_size":10,"history_ttl":"60s"}]',
        SWITCHBOARD_CHANNEL_WITHOUT_NAMESPACE: '{"presence":true}',
      },
    });
    assert.deepEqual(json.client.allowed_origins, ['https://a.example']);
    assert.equal(json.channel.namespaces[0]?.name, 'chat');
    assert.equal(json.channel.namespaces[0]?.history_size, 10);
    assert.equal(json.channel.without_namespace.presence, true);
  });

  it('applies a key inside a section after the section, the short names after the general ones', async () => {
    const config = await loadConfig({
      env: {
        SWITCHBOARD_CLIENT_TOKEN: '{"hmac_secret_key":"section","audience":"app"}',
        SWITCHBOARD_CLIENT_TOKEN_HMAC_SECRET_KEY: 'key',
        SWITCHBOARD_HTTP_SERVER_PORT: '9001',
        SWITCHBOARD_PORT: '9002',
      },
    });
    assert.equal(config.client.token.hmac_secret_key, 'key');
    assert.equal(config.client.token.audience, 'app');
    assert.equal(config.http_server.port, 9002);
  });

  it('wins over the file and loses to flags', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'sb-env-'));
    const file = join(dir, 'c.json');
    await writeFile(file, JSON.stringify({ client: { channel_limit: 1 }, http_api: { key: 'file' } }));
    const config = await loadConfig({
      file,
      env: { SWITCHBOARD_CLIENT_CHANNEL_LIMIT: '2', SWITCHBOARD_HTTP_API_KEY: 'env' },
      flags: { apiKey: 'flag' },
    });
    assert.equal(config.client.channel_limit, 2);
    assert.equal(config.http_api.key, 'flag');
  });

  it('fails start-up naming the variable and the key for a value of the wrong kind', async () => {
    await rejectsConfigError(
      loadConfig({ env: { SWITCHBOARD_CLIENT_PING_INTERVAL: '10' } }),
      'SWITCHBOARD_CLIENT_PING_INTERVAL (client.ping_interval)',
    );
    await rejectsConfigError(
      loadConfig({ env: { SWITCHBOARD_HTTP_API_INSECURE: 'yes' } }),
      'SWITCHBOARD_HTTP_API_INSECURE (http_api.insecure)',
    );
    await rejectsConfigError(
      loadConfig({ env: { SWITCHBOARD_CHANNEL_NAMESPACES: '[{"name":' } }),
      'SWITCHBOARD_CHANNEL_NAMESPACES (channel.namespaces)',
    );
    await rejectsConfigError(
      loadConfig({ env: { SWITCHBOARD_CLIENT_CHANNEL_LIMIT: 'many' } }),
      'SWITCHBOARD_CLIENT_CHANNEL_LIMIT (client.channel_limit)',
    );
  });

  it('lists SWITCHBOARD_* variables that set nothing, and no known one', () => {
    const env: NodeJS.ProcessEnv = {
      SWITCHBOARD_CLIENT_TOKEN_HMAC_SECRET: 'typo',
      SWITCHBOARD_URL: 'http://publisher-side',
      SWITCHBOARD_CONFIG: 'x.yaml',
      SWITCHBOARD_CLIENT_CHANNEL_LIMIT: '3',
      OTHER: '1',
    };
    for (const name of Object.keys(CONFIG_ENV_VARS)) env[name] = 'x';
    assert.deepEqual(unknownConfigVariables(env), [
      'SWITCHBOARD_CLIENT_TOKEN_HMAC_SECRET',
      'SWITCHBOARD_URL',
    ]);
  });
});
