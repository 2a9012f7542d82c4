import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { rejectsConfigError } from './assert-config-error.js';

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchboard-config-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `content` to a new file in the temp dir and returns its path. */
async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

const yamlConfig = `
http_server:
  port: 9000
log:
  level: debug
client:
  ping_interval: 30s
  token:
    hmac_secret_key: from-file
channel:
  namespaces:
    - name: chat
      history_size: 100
      history_ttl: 5m
      force_recovery: true
    - name: feed
http_api:
  key: file-key
`;

describe('loadConfig', () => {
  describe('files', () => {
    it('loads a YAML file', async () => {
      const config = await loadConfig({ file: await file('a.yaml', yamlConfig), env: {} });
      assert.equal(config.http_server.port, 9000);
      assert.equal(config.log.level, 'debug');
      assert.equal(config.client.ping_interval, 30_000);
      assert.equal(config.client.token.hmac_secret_key, 'from-file');
      assert.equal(config.channel.namespaces.length, 2);
      assert.equal(config.channel.namespaces[0]?.history_ttl, 300_000);
      assert.equal(config.channel.namespaces[1]?.name, 'feed');
      assert.equal(config.channel.namespaces[1]?.allow_subscribe_for_client, true);
      assert.equal(config.node.name, `${hostname()}:9000`);
    });

    it('loads a .yml file', async () => {
      const config = await loadConfig({ file: await file('b.yml', 'log:\n  level: warn\n'), env: {} });
      assert.equal(config.log.level, 'warn');
    });

    it('loads a JSON file', async () => {
      const json = JSON.stringify({
        http_server: { address: '127.0.0.1', port: 9100 },
        channel: { without_namespace: { history_size: 10, history_ttl: '60s', allow_recovery: true } },
      });
      const config = await loadConfig({ file: await file('c.json', json), env: {} });
      assert.equal(config.http_server.address, '127.0.0.1');
      assert.equal(config.http_server.port, 9100);
      assert.equal(config.channel.without_namespace.history_ttl, 60_000);
    });

    it('treats an empty YAML file as all defaults', async () => {
      const config = await loadConfig({ file: await file('empty.yaml', '# nothing yet\n'), env: {} });
      assert.equal(config.http_server.port, 8000);
    });

    it('takes the file from SWITCHBOARD_CONFIG when none is given', async () => {
      const path = await file('from-env.yaml', 'http_server:\n  port: 9200\n');
      const config = await loadConfig({ env: { SWITCHBOARD_CONFIG: path } });
      assert.equal(config.http_server.port, 9200);
    });

    it('uses defaults without a file', async () => {
      const config = await loadConfig({ env: {} });
      assert.equal(config.http_server.port, 8000);
      assert.equal(config.node.name, `${hostname()}:8000`);
    });

    it('keys a validation error from a file by the config key and records the file', async () => {
      const path = await file('invalid.yaml', 'client:\n  ping_intervall: 5s\n');
      const error = await rejectsConfigError(loadConfig({ file: path, env: {} }), 'client.ping_intervall');
      assert.equal(error.file, path);
    });

    it('rejects a missing file', async () => {
      const path = join(dir, 'missing.yaml');
      await rejectsConfigError(loadConfig({ file: path, env: {} }), path);
    });

    it('rejects a missing file named by SWITCHBOARD_CONFIG', async () => {
      const path = join(dir, 'missing-too.json');
      await rejectsConfigError(loadConfig({ env: { SWITCHBOARD_CONFIG: path } }), path);
    });

    it('rejects an unknown extension', async () => {
      const path = await file('config.toml', 'port = 8000\n');
      await rejectsConfigError(loadConfig({ file: path, env: {} }), path);
    });

    it('rejects bad YAML syntax', async () => {
      const path = await file('bad.yaml', 'http_server:\n  port: [8000\nlog:\n  level: info\n');
      const error = await rejectsConfigError(loadConfig({ file: path, env: {} }), path);
      assert.equal(error.file, path);
    });

    it('rejects duplicate keys in YAML', async () => {
      const path = await file('dup.yaml', 'log:\n  level: info\nlog:\n  level: debug\n');
      await rejectsConfigError(loadConfig({ file: path, env: {} }), path);
    });

    it('rejects bad JSON syntax', async () => {
      const path = await file('bad.json', '{"http_server": {"port": 8000,}}');
      await rejectsConfigError(loadConfig({ file: path, env: {} }), path);
    });

    it('rejects a file whose top level is not a mapping', async () => {
      const path = await file('list.yaml', '- http_server\n- log\n');
      await rejectsConfigError(loadConfig({ file: path, env: {} }), path);
    });
  });

  describe('environment', () => {
    const env = {
      SWITCHBOARD_PORT: '9300',
      SWITCHBOARD_ADDRESS: '127.0.0.2',
      SWITCHBOARD_TOKEN_HMAC_SECRET: 'from-env',
      SWITCHBOARD_API_KEY: 'env-key',
      SWITCHBOARD_NODE_NAME: 'env-node',
      SWITCHBOARD_LOG_LEVEL: 'error',
    };

    it('overrides the file', async () => {
      const config = await loadConfig({ file: await file('env.yaml', yamlConfig), env });
      assert.equal(config.http_server.port, 9300);
      assert.equal(config.http_server.address, '127.0.0.2');
      assert.equal(config.client.token.hmac_secret_key, 'from-env');
      assert.equal(config.http_api.key, 'env-key');
      assert.equal(config.node.name, 'env-node');
      assert.equal(config.log.level, 'error');
      // Keys the environment does not set keep the file's values.
      assert.equal(config.client.ping_interval, 30_000);
    });

    it('computes the default node name from the overridden port', async () => {
      const config = await loadConfig({
        file: await file('port.yaml', yamlConfig),
        env: { SWITCHBOARD_PORT: '9400' },
      });
      assert.equal(config.node.name, `${hostname()}:9400`);
    });

    it('replaces an invalid file value', async () => {
      const path = await file('bad-port.yaml', 'http_server:\n  port: 70000\n');
      const config = await loadConfig({ file: path, env: { SWITCHBOARD_PORT: '9500' } });
      assert.equal(config.http_server.port, 9500);
    });

    it('ignores empty variables', async () => {
      const config = await loadConfig({
        file: await file('empty-env.yaml', yamlConfig),
        env: { SWITCHBOARD_PORT: '' },
      });
      assert.equal(config.http_server.port, 9000);
    });

    it('rejects a port that is not a number', async () => {
      await rejectsConfigError(
        loadConfig({ env: { SWITCHBOARD_PORT: 'eighty' } }),
        'SWITCHBOARD_PORT (http_server.port)',
      );
    });

    it('rejects a port out of range', async () => {
      await rejectsConfigError(
        loadConfig({ env: { SWITCHBOARD_PORT: '70000' } }),
        'SWITCHBOARD_PORT (http_server.port)',
      );
    });

    it('rejects an unknown log level', async () => {
      await rejectsConfigError(
        loadConfig({ env: { SWITCHBOARD_LOG_LEVEL: 'loud' } }),
        'SWITCHBOARD_LOG_LEVEL (log.level)',
      );
    });
  });

  describe('flags', () => {
    const env = {
      SWITCHBOARD_PORT: '9300',
      SWITCHBOARD_ADDRESS: '127.0.0.2',
      SWITCHBOARD_TOKEN_HMAC_SECRET: 'from-env',
      SWITCHBOARD_API_KEY: 'env-key',
      SWITCHBOARD_NODE_NAME: 'env-node',
      SWITCHBOARD_LOG_LEVEL: 'error',
    };

    it('override the environment and the file', async () => {
      const config = await loadConfig({
        file: await file('flags.yaml', yamlConfig),
        env,
        flags: {
          port: 9600,
          address: '127.0.0.3',
          tokenHmacSecret: 'from-flag',
          apiKey: 'flag-key',
          nodeName: 'flag-node',
          logLevel: 'trace',
        },
      });
      assert.equal(config.http_server.port, 9600);
      assert.equal(config.http_server.address, '127.0.0.3');
      assert.equal(config.client.token.hmac_secret_key, 'from-flag');
      assert.equal(config.http_api.key, 'flag-key');
      assert.equal(config.node.name, 'flag-node');
      assert.equal(config.log.level, 'trace');
    });

    it('accept the port as a string', async () => {
      const config = await loadConfig({ env, flags: { port: '9700' } });
      assert.equal(config.http_server.port, 9700);
      assert.equal(config.http_server.address, '127.0.0.2');
    });

    it('reject a bad port under the flag name', async () => {
      await rejectsConfigError(loadConfig({ env, flags: { port: 'x' } }), '--port (http_server.port)');
      await rejectsConfigError(loadConfig({ env, flags: { port: 1.5 } }), '--port (http_server.port)');
    });

    it('reject a bad log level under the flag name', async () => {
      await rejectsConfigError(
        loadConfig({ env: {}, flags: { logLevel: 'loud' } }),
        '--log-level (log.level)',
      );
    });
  });
});
