import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { type ChannelOptions, type Config, defaultConfig, resolveConfig } from '../../src/config/index.js';

const MIB = 1024 * 1024;

const channelDefaults: ChannelOptions = {
  allow_subscribe_for_client: true,
  allow_subscribe_for_anonymous: false,
  allow_publish_for_subscriber: false,
  allow_publish_for_client: false,
  allow_publish_for_anonymous: false,
  presence: false,
  join_leave: false,
  force_push_join_leave: false,
  allow_presence_for_subscriber: false,
  allow_presence_for_client: false,
  allow_presence_for_anonymous: false,
  allow_history_for_subscriber: false,
  allow_history_for_client: false,
  allow_history_for_anonymous: false,
  allow_user_limited_channels: true,
  allow_tags_filter: false,
  history_size: 0,
  history_ttl: 0,
  history_meta_ttl: 30 * 24 * 60 * 60 * 1000,
  force_recovery: false,
  allow_recovery: false,
  force_positioning: false,
  allow_positioning: false,
  force_recovery_mode: 'stream',
  auto_cache_recover: false,
  conflation_interval: 0,
  conflation_key: '',
  allowed_delta_types: [],
  delta_publish: false,
  subscribe_proxy_enabled: false,
  subscribe_proxy_name: 'default',
  publish_proxy_enabled: false,
  publish_proxy_name: 'default',
  sub_refresh_proxy_enabled: false,
  sub_refresh_proxy_name: 'default',
};

const proxyEndpoint = {
  endpoint: '',
  timeout: 1_000,
  http_headers: [],
  grpc_metadata: [],
  emulated_headers: [],
  binary_encoding: false,
  include_connection_meta: false,
  http: { static_headers: {}, status_to_code_transforms: [] },
  grpc: {
    tls: { enabled: false, ca_pem_file: '', server_name: '' },
    credentials_key: '',
    credentials_value: '',
    compression: false,
    static_metadata: {},
  },
};

const emptyToken = {
  hmac_secret_key: '',
  rsa_public_key: '',
  ecdsa_public_key: '',
  ed25519_public_key: '',
  jwks_public_endpoint: '',
  jwks_timeout: 2000,
  jwks_refresh_interval: 600_000,
  audience: '',
  issuer: '',
};

/** Every key with the default documented in src/config/types.ts. */
const expectedDefaults: Config = {
  http_server: {
    address: '0.0.0.0',
    port: 8000,
    header_timeout: 10_000,
    trusted_proxies: [],
    tls: { enabled: false, cert_pem_file: '', key_pem_file: '', cert_pem: '', key_pem: '' },
  },
  node: { name: `${hostname()}:8000` },
  log: { level: 'info', format: 'auto' },
  engine: {
    type: 'memory',
    redis: {
      address: '',
      cluster_address: [],
      sentinel_address: [],
      sentinel_master_name: 'mymaster',
      sentinel_user: '',
      sentinel_password: '',
      password: '',
      prefix: 'switchboard',
      command_timeout: 2_000,
    },
  },
  client: {
    token: emptyToken,
    proxy: { connect: { enabled: false, ...proxyEndpoint }, refresh: { enabled: false, ...proxyEndpoint } },
    subscription_token: { enabled: false, ...emptyToken },
    allow_anonymous_connect_without_token: false,
    disallow_anonymous_connection_tokens: false,
    insecure: false,
    allowed_origins: [],
    ping_interval: 25_000,
    pong_timeout: 8_000,
    expired_close_delay: 25_000,
    stale_close_delay: 10_000,
    channel_limit: 128,
    queue_max_size: MIB,
    write_delay: 0,
    max_publication_size: MIB / 2,
    connection_limit: 0,
    user_connection_limit: 0,
    command_rate_limit: 100,
    history_max_publication_limit: 300,
    recovery_max_publication_limit: 300,
    presence_update_interval: 25_000,
    channel_position_check_delay: 40_000,
    subscribe_to_user_personal_channel: { enabled: true, personal_channel_namespace: '' },
  },
  channel: {
    max_length: 255,
    without_namespace: channelDefaults,
    namespaces: [],
    proxy: { subscribe: proxyEndpoint, publish: proxyEndpoint, sub_refresh: proxyEndpoint },
  },
  rpc: {
    proxy: proxyEndpoint,
    without_namespace: { proxy_enabled: false, proxy_name: 'default' },
    namespaces: [],
    namespace_boundary: ':',
    ping: { enabled: false, method: 'ping' },
  },
  proxies: [],
  user_events: {
    enabled: false,
    online_proxy_name: '',
    offline_proxy_name: '',
    offline_debounce: 5_000,
    node_lease_ttl: 10_000,
    sweep_interval: 1_000,
    retry_max_interval: 10_000,
  },
  consumers: [],
  http_api: { key: '', extra_keys: [], insecure: false, idempotency_ttl: 300_000, max_body_size: MIB },
  websocket: { message_size_limit: 65_536, transport: 'lean' },
  http_stream: { enabled: false, max_request_body_size: 65_536 },
  sse: { enabled: false, max_request_body_size: 65_536 },
  uni_sse: { enabled: false, max_request_body_size: 65_536 },
  uni_http_stream: { enabled: false, max_request_body_size: 65_536 },
  uni_websocket: { enabled: false },
  emulation: { max_request_body_size: 65_536 },
  shutdown: { timeout: 10_000, drain_duration: 5_000, drain_waves: 10 },
  demo: { enabled: false },
  admin: { enabled: false, password: '', secret: '', insecure: false },
  prometheus: { enabled: true },
  opentelemetry: { enabled: false, api: false, consuming: false },
};

describe('defaults', () => {
  it('defaultConfig() has every key with its documented default', () => {
    assert.deepEqual(defaultConfig(), expectedDefaults);
  });

  it('spot-checks every top-level section', () => {
    const config = defaultConfig();
    assert.equal(config.http_server.port, 8000);
    assert.equal(config.http_server.address, '0.0.0.0');
    assert.equal(config.node.name, `${hostname()}:8000`);
    assert.equal(config.log.level, 'info');
    assert.equal(config.client.ping_interval, 25_000);
    assert.equal(config.client.pong_timeout, 8_000);
    assert.equal(config.client.channel_limit, 128);
    assert.equal(config.client.subscribe_to_user_personal_channel.enabled, true);
    assert.equal(config.client.token.hmac_secret_key, '');
    assert.equal(config.channel.max_length, 255);
    assert.equal(config.channel.without_namespace.allow_subscribe_for_client, true);
    assert.equal(config.channel.without_namespace.history_meta_ttl, 2_592_000_000);
    assert.deepEqual(config.channel.namespaces, []);
    assert.equal(config.http_api.idempotency_ttl, 300_000);
    assert.equal(config.http_api.max_body_size, MIB);
    assert.equal(config.websocket.message_size_limit, 65_536);
    assert.equal(config.websocket.transport, 'lean');
    assert.equal(config.shutdown.timeout, 10_000);
    assert.equal(config.demo.enabled, false);
    assert.equal(config.admin.enabled, false);
    assert.equal(config.shutdown.drain_duration, 5_000);
    assert.equal(config.shutdown.drain_waves, 10);
    assert.equal(config.prometheus.enabled, true);
    assert.equal(config.log.format, 'auto');
  });

  it('resolveConfig({}) equals defaultConfig()', () => {
    assert.deepEqual(resolveConfig({}), defaultConfig());
  });

  it('returns fresh objects each time', () => {
    const first = defaultConfig();
    first.client.allowed_origins.push('https://example.com');
    first.channel.namespaces.push({ name: 'x', ...channelDefaults });
    const second = defaultConfig();
    assert.deepEqual(second.client.allowed_origins, []);
    assert.deepEqual(second.channel.namespaces, []);
  });

  it('fills unspecified namespace options with the namespace defaults', () => {
    const config = resolveConfig({
      channel: {
        without_namespace: { presence: true, history_size: 10, history_ttl: '60s' },
        namespaces: [{ name: 'chat', join_leave: true }],
      },
    });
    // Namespaces take the defaults, not the values of without_namespace.
    assert.deepEqual(config.channel.namespaces, [{ name: 'chat', ...channelDefaults, join_leave: true }]);
    assert.equal(config.channel.without_namespace.presence, true);
  });

  it('keeps values that are given and converts durations to milliseconds', () => {
    const config = resolveConfig({
      http_server: { port: 9001 },
      client: { ping_interval: '1m', pong_timeout: '15s', allowed_origins: ['https://*.example.com'] },
      channel: { namespaces: [{ name: 'feed', history_size: 100, history_ttl: '5m', force_recovery: true }] },
      http_api: { idempotency_ttl: '1h30m' },
      shutdown: { timeout: 0, drain_duration: '30s', drain_waves: 3 },
    });
    assert.equal(config.client.ping_interval, 60_000);
    assert.equal(config.client.pong_timeout, 15_000);
    assert.deepEqual(config.client.allowed_origins, ['https://*.example.com']);
    assert.equal(config.channel.namespaces[0]?.history_ttl, 300_000);
    assert.equal(config.channel.namespaces[0]?.force_recovery, true);
    assert.equal(config.http_api.idempotency_ttl, 5_400_000);
    assert.equal(config.shutdown.timeout, 0);
    assert.equal(config.shutdown.drain_duration, 30_000);
    assert.equal(config.shutdown.drain_waves, 3);
  });

  it('defaults node.name to <hostname>:<port> with the resolved port', () => {
    assert.equal(resolveConfig({ http_server: { port: 9001 } }).node.name, `${hostname()}:9001`);
    assert.equal(resolveConfig({ node: { name: 'edge-1' } }).node.name, 'edge-1');
  });
});
