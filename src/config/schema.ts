/**
 * The config file format: snake_case keys exactly as in {@link Config}, durations as strings. Parsing a
 * file's contents with {@link configSchema} yields the resolved {@link Config} with every default applied.
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { channelOptionsSchema, namespacesSchema } from './channel-schema.js';
import { consumersSchema } from './consumers-schema.js';
import {
  bool,
  count,
  describeValue,
  duration,
  expected,
  oneOf,
  port,
  positiveCount,
  section,
  text,
  textList,
} from './fields.js';
import { checkProxyReferences } from './proxy-references.js';
import {
  channelProxySchema,
  clientProxySchema,
  proxiesSchema,
  rpcSchema,
  userEventsSchema,
} from './proxy-schema.js';
import type { Config } from './types.js';

const MIB = 1024 * 1024;

/** Log levels, lowest first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

type KeySourceKey =
  | 'hmac_secret_key'
  | 'rsa_public_key'
  | 'ecdsa_public_key'
  | 'ed25519_public_key'
  | 'jwks_public_endpoint';

const tokenShape = {
  hmac_secret_key: text(),
  rsa_public_key: text(),
  ecdsa_public_key: text(),
  ed25519_public_key: text(),
  jwks_public_endpoint: text(),
  jwks_timeout: duration(2_000, { positive: true }),
  jwks_refresh_interval: duration(600_000, { positive: true }),
  audience: text(),
  issuer: text(),
};

/** True when a token section names at least one source of verification keys. */
function hasKeySource(token: Record<KeySourceKey, string>): boolean {
  return (
    token.hmac_secret_key !== '' ||
    token.rsa_public_key !== '' ||
    token.ecdsa_public_key !== '' ||
    token.ed25519_public_key !== '' ||
    token.jwks_public_endpoint !== ''
  );
}

const clientFields = section({
  token: section(tokenShape),
  proxy: clientProxySchema,
  subscription_token: section({ enabled: bool(false), ...tokenShape }).superRefine((token, ctx) => {
    if (token.enabled && !hasKeySource(token)) {
      ctx.addIssue({
        code: 'custom',
        path: ['enabled'],
        input: true,
        message:
          'subscription tokens are enabled, so expected a key source in client.subscription_token ' +
          '(hmac_secret_key, rsa_public_key, ecdsa_public_key, ed25519_public_key or jwks_public_endpoint)',
      });
    }
  }),
  allow_anonymous_connect_without_token: bool(false),
  disallow_anonymous_connection_tokens: bool(false),
  insecure: bool(false),
  allowed_origins: textList(),
  ping_interval: duration(25_000),
  pong_timeout: duration(8_000),
  expired_close_delay: duration(25_000),
  stale_close_delay: duration(10_000, { positive: true }),
  channel_limit: count(128),
  queue_max_size: positiveCount(MIB),
  write_delay: duration(0),
  // Optional: when absent it follows queue_max_size (half of it), see the transform below.
  max_publication_size: z
    .int({ error: expected('a positive integer') })
    .min(1, { error: expected('a positive integer') })
    .optional(),
  connection_limit: count(0),
  user_connection_limit: count(0),
  command_rate_limit: count(100),
  history_max_publication_limit: count(300),
  recovery_max_publication_limit: count(300),
  presence_update_interval: duration(25_000, { positive: true }),
  channel_position_check_delay: duration(40_000, { positive: true }),
  subscribe_to_user_personal_channel: section({
    enabled: bool(true),
    personal_channel_namespace: text(),
  }),
}).superRefine((client, ctx) => {
  if (client.pong_timeout === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['pong_timeout'],
      input: client.pong_timeout,
      message: 'expected a pong_timeout greater than zero like "8s", got 0',
    });
  } else if (client.ping_interval <= client.pong_timeout) {
    ctx.addIssue({
      code: 'custom',
      path: ['ping_interval'],
      input: client.ping_interval,
      message:
        `expected a ping_interval longer than pong_timeout (${client.pong_timeout} ms), ` +
        `got ${client.ping_interval} ms`,
    });
  }
});

/**
 * `client` with `max_publication_size` resolved: half of `queue_max_size` when absent; a larger value
 * fails, since a publication the queue cannot hold twice would drop subscribers that read.
 */
const clientSchema = clientFields
  .superRefine((client, ctx) => {
    const half = Math.floor(client.queue_max_size / 2);
    if (client.max_publication_size !== undefined && client.max_publication_size > half) {
      ctx.addIssue({
        code: 'custom',
        path: ['max_publication_size'],
        input: client.max_publication_size,
        message:
          `expected at most half of queue_max_size (${half} bytes), so a subscriber's queue holds two of ` +
          `the largest publications; got ${client.max_publication_size} (raise queue_max_size or lower this)`,
      });
    }
  })
  .transform((client) => ({
    ...client,
    max_publication_size: client.max_publication_size ?? Math.floor(client.queue_max_size / 2),
  }));

/** `http_server.tls`: when enabled, exactly one source each for the certificate and the key. */
const tlsSchema = section({
  enabled: bool(false),
  cert_pem_file: text(),
  key_pem_file: text(),
  cert_pem: text(),
  key_pem: text(),
}).superRefine((tls, ctx) => {
  if (!tls.enabled) return;
  for (const [what, file, inline] of [
    ['certificate', 'cert_pem_file', 'cert_pem'],
    ['private key', 'key_pem_file', 'key_pem'],
  ] as const) {
    if (tls[file] === '' && tls[inline] === '') {
      ctx.addIssue({
        code: 'custom',
        path: [file],
        input: '',
        message: `TLS is enabled, so expected the path of a PEM ${what} file (or ${inline} with the PEM text)`,
      });
    } else if (tls[file] !== '' && tls[inline] !== '') {
      ctx.addIssue({
        code: 'custom',
        path: [inline],
        input: '[PEM]',
        message: `expected either ${file} or ${inline}, not both`,
      });
    }
  }
});

/** The admin web UI: with `enabled` on, a password is required unless `insecure` is on too. */
const adminSchema = section({
  enabled: bool(false),
  password: text(),
  secret: text(),
  insecure: bool(false),
}).superRefine((admin, ctx) => {
  if (admin.enabled && !admin.insecure && admin.password === '') {
    ctx.addIssue({
      code: 'custom',
      path: ['password'],
      message: 'admin.enabled is on, so expected a password (or admin.insecure: true for local development)',
      input: admin.password,
    });
  }
});

/**
 * The config file schema. Input: the parsed file (unknown keys fail, durations are strings). Output: the
 * resolved {@link Config}; `node.name` defaults to `<hostname>:<port>` using the resolved port.
 */
export const configSchema = z
  .strictObject(
    {
      http_server: section({
        address: text('0.0.0.0'),
        port: port(8000),
        header_timeout: duration(10_000, { positive: true }),
        trusted_proxies: textList(),
        tls: tlsSchema,
      }),
      node: section({
        name: z.string({ error: (i) => `expected a string, got ${describeValue(i.input)}` }).optional(),
      }),
      log: section({ level: oneOf(LOG_LEVELS, 'info'), format: oneOf(LOG_FORMATS, 'auto') }),
      engine: section({
        type: z.enum(['memory', 'redis'], { error: expected('one of memory, redis') }).optional(),
        redis: section({
          address: text(),
          cluster_address: textList(),
          sentinel_address: textList(),
          sentinel_master_name: text('mymaster'),
          sentinel_user: text(),
          sentinel_password: text(),
          password: text(),
          prefix: text('switchboard'),
          command_timeout: duration(2_000, { positive: true }),
        }),
      }),
      client: clientSchema,
      channel: section({
        max_length: positiveCount(255),
        without_namespace: channelOptionsSchema,
        namespaces: namespacesSchema,
        proxy: channelProxySchema,
      }),
      rpc: rpcSchema,
      proxies: proxiesSchema,
      user_events: userEventsSchema,
      consumers: consumersSchema,
      http_api: section({
        key: text(),
        extra_keys: textList(),
        insecure: bool(false),
        idempotency_ttl: duration(300_000),
        max_body_size: positiveCount(MIB),
      }),
      websocket: section({
        message_size_limit: positiveCount(65_536),
        transport: oneOf(['lean', 'ws'], 'lean'),
      }),
      http_stream: section({
        enabled: bool(false),
        max_request_body_size: positiveCount(65_536),
      }),
      sse: section({
        enabled: bool(false),
        max_request_body_size: positiveCount(65_536),
      }),
      uni_sse: section({
        enabled: bool(false),
        max_request_body_size: positiveCount(65_536),
      }),
      uni_http_stream: section({
        enabled: bool(false),
        max_request_body_size: positiveCount(65_536),
      }),
      uni_websocket: section({
        enabled: bool(false),
      }),
      emulation: section({
        max_request_body_size: positiveCount(65_536),
      }),
      shutdown: section({
        timeout: duration(10_000),
        drain_duration: duration(5_000),
        drain_waves: positiveCount(10),
      }),
      demo: section({ enabled: bool(false) }),
      admin: adminSchema,
      prometheus: section({ enabled: bool(true) }),
      opentelemetry: section({ enabled: bool(false), api: bool(false), consuming: bool(false) }),
    },
    {
      error: (issue) =>
        issue.code === 'invalid_type'
          ? `expected a mapping of config sections, got ${describeValue(issue.input)}`
          : undefined,
    },
  )
  // An empty name means "not set", so a blank env var or flag cannot produce a nameless node.
  .superRefine((file, ctx) => {
    const { type, redis } = file.engine;
    const issue = (key: string, message: string, input: unknown): void => {
      ctx.addIssue({ code: 'custom', path: ['engine', 'redis', key], message, input });
    };
    if (redis.cluster_address.length > 0 && redis.sentinel_address.length > 0) {
      issue(
        'cluster_address',
        'expected either cluster_address or sentinel_address, not both',
        redis.cluster_address,
      );
    }
    if (
      type === 'redis' &&
      redis.address === '' &&
      redis.cluster_address.length === 0 &&
      redis.sentinel_address.length === 0
    ) {
      issue(
        'address',
        'expected a Redis address (or cluster_address / sentinel_address) with engine.type "redis"',
        '',
      );
    }
    if (redis.prefix === '' || /[{}]/.test(redis.prefix)) {
      issue('prefix', 'expected a non-empty prefix without braces', redis.prefix);
    }
  })
  // Centrifugo refuses this config at start too: every connect would otherwise fail with 102.
  .superRefine((file, ctx) => {
    const personal = file.client.subscribe_to_user_personal_channel;
    const name = personal.personal_channel_namespace;
    if (personal.enabled && name !== '' && !file.channel.namespaces.some((ns) => ns.name === name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['client', 'subscribe_to_user_personal_channel', 'personal_channel_namespace'],
        input: name,
        message: `expected the name of one of channel.namespaces, got "${name}" (personal channels are "${name}:#<user>")`,
      });
    }
  })
  .superRefine(checkProxyReferences)
  .transform((file) => {
    const redis = file.engine.redis;
    const anyRedis =
      redis.address !== '' || redis.cluster_address.length > 0 || redis.sentinel_address.length > 0;
    return {
      ...file,
      node: { name: file.node.name || `${hostname()}:${file.http_server.port}` },
      engine: { type: file.engine.type ?? (anyRedis ? ('redis' as const) : ('memory' as const)), redis },
    };
  });

/** The shape of a config file before defaults, as accepted by {@link configSchema}. */
export type ConfigFile = z.input<typeof configSchema>;

/** Compile-time guard: the schema's output and {@link Config} must be the same type, key for key. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesConfig: Same<z.output<typeof configSchema>, Config> = true;
void schemaMatchesConfig;
