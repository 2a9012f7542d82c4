import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.js';
import { assertConfigError } from './assert-config-error.js';

const withHistory = { history_size: 10, history_ttl: '60s' };

describe('validation', () => {
  describe('history', () => {
    it('history_size > 0 needs history_ttl > 0', () => {
      assertConfigError(
        () => resolveConfig({ channel: { without_namespace: { history_size: 10 } } }),
        'channel.without_namespace.history_ttl',
      );
    });

    it('history_ttl > 0 needs history_size > 0', () => {
      assertConfigError(
        () => resolveConfig({ channel: { namespaces: [{ name: 'a' }, { name: 'b', history_ttl: '300s' }] } }),
        'channel.namespaces[1].history_size',
      );
    });

    for (const key of ['force_recovery', 'allow_recovery', 'force_positioning', 'allow_positioning']) {
      it(`${key} needs history`, () => {
        assertConfigError(
          () => resolveConfig({ channel: { namespaces: [{ name: 'a', [key]: true }] } }),
          `channel.namespaces[0].${key}`,
        );
        assertConfigError(
          () => resolveConfig({ channel: { without_namespace: { [key]: true } } }),
          `channel.without_namespace.${key}`,
        );
        const config = resolveConfig({
          channel: { namespaces: [{ name: 'a', [key]: true, ...withHistory }] },
        });
        assert.equal(config.channel.namespaces[0]?.history_size, 10);
      });
    }

    it('history_meta_ttl must not be shorter than history_ttl', () => {
      assertConfigError(
        () => resolveConfig({ channel: { without_namespace: { ...withHistory, history_meta_ttl: '30s' } } }),
        'channel.without_namespace.history_meta_ttl',
      );
    });
  });

  describe('numbers', () => {
    const cases: [string, unknown, string][] = [
      [
        'a negative count',
        { channel: { without_namespace: { history_size: -1 } } },
        'channel.without_namespace.history_size',
      ],
      ['a fractional count', { client: { channel_limit: 1.5 } }, 'client.channel_limit'],
      ['a count given as a string', { client: { connection_limit: '5' } }, 'client.connection_limit'],
      ['a negative limit', { client: { command_rate_limit: -5 } }, 'client.command_rate_limit'],
      ['a zero size', { websocket: { message_size_limit: 0 } }, 'websocket.message_size_limit'],
      ['a negative port', { http_server: { port: -1 } }, 'http_server.port'],
      ['a port above 65535', { http_server: { port: 65_536 } }, 'http_server.port'],
      ['a fractional port', { http_server: { port: 80.5 } }, 'http_server.port'],
      ['a port given as a string', { http_server: { port: '8000' } }, 'http_server.port'],
    ];
    for (const [what, raw, key] of cases) {
      it(`rejects ${what}`, () => {
        assertConfigError(() => resolveConfig(raw), key);
      });
    }

    it('accepts ports 0 and 65535 and zero limits', () => {
      assert.equal(resolveConfig({ http_server: { port: 0 } }).http_server.port, 0);
      assert.equal(resolveConfig({ http_server: { port: 65_535 } }).http_server.port, 65_535);
      assert.equal(resolveConfig({ client: { command_rate_limit: 0 } }).client.command_rate_limit, 0);
    });
  });

  describe('ping and pong', () => {
    it('ping_interval must be longer than pong_timeout', () => {
      assertConfigError(() => resolveConfig({ client: { ping_interval: '5s' } }), 'client.ping_interval');
      assertConfigError(
        () => resolveConfig({ client: { ping_interval: '10s', pong_timeout: '10s' } }),
        'client.ping_interval',
      );
    });

    it('pong_timeout must be greater than zero', () => {
      assertConfigError(() => resolveConfig({ client: { pong_timeout: '0s' } }), 'client.pong_timeout');
    });

    it('accepts ping_interval > pong_timeout > 0', () => {
      const config = resolveConfig({ client: { ping_interval: '30s', pong_timeout: '10s' } });
      assert.equal(config.client.ping_interval, 30_000);
      assert.equal(config.client.pong_timeout, 10_000);
    });
  });

  describe('durations', () => {
    it('rejects a number other than 0', () => {
      assertConfigError(
        () => resolveConfig({ channel: { namespaces: [{ name: 'a', history_size: 5, history_ttl: 300 }] } }),
        'channel.namespaces[0].history_ttl',
      );
    });

    it('rejects a string that is not a duration', () => {
      assertConfigError(
        () => resolveConfig({ http_api: { idempotency_ttl: '5 minutes' } }),
        'http_api.idempotency_ttl',
      );
      assertConfigError(() => resolveConfig({ shutdown: { timeout: '-1s' } }), 'shutdown.timeout');
      assertConfigError(() => resolveConfig({ shutdown: { timeout: true } }), 'shutdown.timeout');
      assertConfigError(() => resolveConfig({ shutdown: { drain_duration: 5 } }), 'shutdown.drain_duration');
      assertConfigError(() => resolveConfig({ shutdown: { drain_waves: 0 } }), 'shutdown.drain_waves');
    });

    it('rejects zero where a timer must run', () => {
      assertConfigError(
        () => resolveConfig({ client: { presence_update_interval: '0s' } }),
        'client.presence_update_interval',
      );
    });
  });

  describe('unknown keys', () => {
    it('fails at the top level', () => {
      assertConfigError(() => resolveConfig({ http_servr: {} }), 'http_servr');
    });

    it('fails in a nested section', () => {
      assertConfigError(() => resolveConfig({ client: { ping_intervall: '5s' } }), 'client.ping_intervall');
      assertConfigError(() => resolveConfig({ client: { token: { hmac: 'x' } } }), 'client.token.hmac');
    });

    it('fails inside a namespace', () => {
      assertConfigError(
        () => resolveConfig({ channel: { namespaces: [{ name: 'a' }, { name: 'b', histroy_size: 5 }] } }),
        'channel.namespaces[1].histroy_size',
      );
    });

    it('reports every unknown key, each under its own key', () => {
      const error = assertConfigError(
        () => resolveConfig({ log: { level: 'info', lvl: 1, colour: 'yes' } }),
        'log.lvl',
      );
      assert.deepEqual(
        error.issues.map((issue) => issue.key),
        ['log.lvl', 'log.colour'],
      );
    });
  });

  describe('namespaces', () => {
    it('rejects duplicate names', () => {
      assertConfigError(
        () => resolveConfig({ channel: { namespaces: [{ name: 'a' }, { name: 'b' }, { name: 'a' }] } }),
        'channel.namespaces[2].name',
      );
    });

    it('requires a non-empty name of allowed characters', () => {
      assertConfigError(
        () => resolveConfig({ channel: { namespaces: [{ presence: true }] } }),
        'channel.namespaces[0].name',
      );
      assertConfigError(
        () => resolveConfig({ channel: { namespaces: [{ name: '' }] } }),
        'channel.namespaces[0].name',
      );
      assertConfigError(
        () => resolveConfig({ channel: { namespaces: [{ name: 'ok' }, { name: 'bad:name' }] } }),
        'channel.namespaces[1].name',
      );
      assertConfigError(
        () => resolveConfig({ channel: { namespaces: [{ name: 5 }] } }),
        'channel.namespaces[0].name',
      );
      const config = resolveConfig({ channel: { namespaces: [{ name: 'A.b-c_1' }] } });
      assert.equal(config.channel.namespaces[0]?.name, 'A.b-c_1');
    });

    it('requires a list of mappings', () => {
      assertConfigError(
        () => resolveConfig({ channel: { namespaces: { name: 'a' } } }),
        'channel.namespaces',
      );
      assertConfigError(() => resolveConfig({ channel: { namespaces: ['a'] } }), 'channel.namespaces[0]');
    });
  });

  describe('types', () => {
    it('rejects a wrong type for a value or a section', () => {
      assertConfigError(() => resolveConfig({ client: { insecure: 'true' } }), 'client.insecure');
      assertConfigError(() => resolveConfig({ websocket: [] }), 'websocket');
      assertConfigError(
        () => resolveConfig({ client: { allowed_origins: 'https://a' } }),
        'client.allowed_origins',
      );
      assertConfigError(
        () => resolveConfig({ client: { allowed_origins: ['https://a', 5] } }),
        'client.allowed_origins[1]',
      );
      assertConfigError(() => resolveConfig({ node: { name: 5 } }), 'node.name');
      assertConfigError(() => resolveConfig('port: 8000'), '(root)');
    });

    it('rejects an unknown log level', () => {
      assertConfigError(() => resolveConfig({ log: { level: 'verbose' } }), 'log.level');
    });

    it('requires a key source when subscription tokens are enabled', () => {
      assertConfigError(
        () => resolveConfig({ client: { subscription_token: { enabled: true } } }),
        'client.subscription_token.enabled',
      );
      const config = resolveConfig({
        client: { subscription_token: { enabled: true, hmac_secret_key: 's' } },
      });
      assert.equal(config.client.subscription_token.enabled, true);
    });
  });

  describe('errors', () => {
    it('collects every issue, the first one as the key', () => {
      const error = assertConfigError(
        () =>
          resolveConfig({ http_server: { port: 70_000 }, log: { level: 'loud' }, shutdown: { timeout: 5 } }),
        'http_server.port',
      );
      assert.deepEqual(
        error.issues.map((issue) => issue.key),
        ['http_server.port', 'log.level', 'shutdown.timeout'],
      );
    });

    it('names the key in the message', () => {
      const error = assertConfigError(
        () => resolveConfig({ channel: { namespaces: [{ name: 'a', history_size: 1, history_ttl: 300 }] } }),
        'channel.namespaces[0].history_ttl',
      );
      assert.ok(error.message.includes('channel.namespaces[0].history_ttl'), error.message);
    });
  });
});
