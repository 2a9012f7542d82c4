import type { ConsumerConfig } from './consumers-schema.js';
import type { EngineConfig } from './engine-types.js';
import type {
  ChannelProxyConfig,
  ClientProxyConfig,
  NamedProxyConfig,
  RpcConfig,
  UserEventsConfig,
} from './proxy-schema.js';

export type { EngineConfig } from './engine-types.js';

/**
 * The resolved configuration of a node: every key has its value (defaults applied, durations in
 * milliseconds). Key names follow Centrifugo v6 wherever the feature is the same.
 */

/** Options of a channel namespace (or of channels without namespace). */
export interface ChannelOptions {
  /** Authenticated clients may subscribe without a subscription token. Default true. */
  allow_subscribe_for_client: boolean;
  /**
   * Anonymous clients (empty user) may subscribe too where `allow_subscribe_for_client` lets clients
   * subscribe without a subscription token; alone it grants nothing (as in Centrifugo). Default false.
   */
  allow_subscribe_for_anonymous: boolean;
  /** Subscribers may publish from the client. Default false. */
  allow_publish_for_subscriber: boolean;
  /** Authenticated clients may publish from the client without subscribing. Default false. */
  allow_publish_for_client: boolean;
  /**
   * Anonymous clients may publish too where `allow_publish_for_client` or
   * `allow_publish_for_subscriber` allows it; alone it grants nothing. Default false.
   */
  allow_publish_for_anonymous: boolean;
  /** Keep presence (who is subscribed). Default false. */
  presence: boolean;
  /** Send join/leave pushes to subscribers that ask for them. Default false. */
  join_leave: boolean;
  /** Send join/leave pushes to every subscriber. Default false. */
  force_push_join_leave: boolean;
  /** Subscribers may ask for presence. Default false. */
  allow_presence_for_subscriber: boolean;
  /** Authenticated clients may ask for presence without subscribing. Default false. */
  allow_presence_for_client: boolean;
  /** Anonymous clients may ask for presence too, where one of the two options above allows it. Default false. */
  allow_presence_for_anonymous: boolean;
  /** Subscribers may ask for history. Default false. */
  allow_history_for_subscriber: boolean;
  /** Authenticated clients may ask for history without subscribing. Default false. */
  allow_history_for_client: boolean;
  /** Anonymous clients may ask for history too, where one of the two options above allows it. Default false. */
  allow_history_for_anonymous: boolean;
  /** Channels with `#` are limited to the users listed after it (`dialog#42,43`). Default true. */
  allow_user_limited_channels: boolean;
  /**
   * Clients may send a tags filter (`tf`) on subscribe, so only publications whose tags match it
   * reach them. Without it a `tf` is refused with error 107. Default false.
   */
  allow_tags_filter: boolean;
  /** Publications kept per channel; 0 disables history. Default 0. */
  history_size: number;
  /** History retention after the last publish, ms ("300s" in files); 0 disables history. Default 0. */
  history_ttl: number;
  /** How long a stream's offset and epoch survive without a publish, ms. Default 30 days. */
  history_meta_ttl: number;
  /** Every subscriber gets recovery (needs history). Default false. */
  force_recovery: boolean;
  /** Clients may ask for recovery with `recoverable: true` (needs history). Default false. */
  allow_recovery: boolean;
  /** Every subscriber gets positioning: gaps in the stream are detected and repaired. Default false. */
  force_positioning: boolean;
  /** Clients may ask for positioning with `positioned: true`. Default false. */
  allow_positioning: boolean;
  /**
   * How a recovering subscription catches up: "stream" returns every missed publication, "cache"
   * only the latest one (a channel used as a key-value cell, usually with `history_size: 1`).
   * Default "stream".
   */
  force_recovery_mode: 'stream' | 'cache';
  /**
   * In cache mode, every subscribe recovers without the client asking (server-side subscriptions
   * too), so the latest publication comes first. Needs `force_recovery` and
   * `force_recovery_mode: "cache"`. Default false.
   */
  auto_cache_recover: boolean;
  /**
   * Conflation window, ms ("100ms" in files): live subscribers get at most the first and the latest
   * publication per conflation key within it; history keeps all. 0 turns conflation off. Default 0.
   */
  conflation_interval: number;
  /**
   * What publications are conflated by: "" (the whole channel), "tag:<name>" (a tag's value) or
   * "<field>" (a top-level field of the JSON data). Default "".
   */
  conflation_key: string;
  /**
   * Delta encodings a subscriber may ask for (`delta: "fossil"` in subscribe): publications then
   * carry a Fossil delta against the previous one. Only subscriptions that track their position
   * (recovery or positioning) get deltas. Default [].
   */
  allowed_delta_types: 'fossil'[];
  /** Every publication in the channel may go out as a delta (the server API's `delta` per publish otherwise). Default false. */
  delta_publish: boolean;
  /** Subscribes (without a subscription token) are decided by the backend's subscribe proxy. Default false. */
  subscribe_proxy_enabled: boolean;
  /** The subscribe proxy: "default" (`channel.proxy.subscribe`) or a name in `proxies`. */
  subscribe_proxy_name: string;
  /** Client publications go through the backend's publish proxy (which may refuse or change them). Default false. */
  publish_proxy_enabled: boolean;
  publish_proxy_name: string;
  /** Subscriptions are refreshed by the node through the sub_refresh proxy, not by the client. Default false. */
  sub_refresh_proxy_enabled: boolean;
  sub_refresh_proxy_name: string;
}

export interface NamespaceConfig extends ChannelOptions {
  /** The prefix before `:` in channel names of this namespace. */
  name: string;
}

/** How tokens are verified. At least one key source must be set unless the client is insecure. */
export interface TokenConfig {
  /** HMAC secret for HS256/HS384/HS512. */
  hmac_secret_key: string;
  /** PEM RSA public key for RS256/384/512 and PS256/384/512. */
  rsa_public_key: string;
  /** PEM ECDSA public key for ES256/384/512. */
  ecdsa_public_key: string;
  /** PEM Ed25519 public key for EdDSA. */
  ed25519_public_key: string;
  /** JWKS URL; keys are fetched and cached. */
  jwks_public_endpoint: string;
  /** Deadline of one JWKS fetch, ms. Default 2 s. */
  jwks_timeout: number;
  /**
   * Age after which JWKS keys are fetched again, ms; until a fetch succeeds the old keys are served.
   * Default 10 min.
   */
  jwks_refresh_interval: number;
  /** Required `aud`, when set. */
  audience: string;
  /** Required `iss`, when set. */
  issuer: string;
}

export interface ClientConfig {
  token: TokenConfig;
  /** Connect and refresh proxies: the backend authenticates connections without a JWT. */
  proxy: ClientProxyConfig;
  /** A separate key set for subscription tokens; when not enabled, `token` verifies them too. */
  subscription_token: TokenConfig & { enabled: boolean };
  /** Connect without a token as an anonymous user. Default false. */
  allow_anonymous_connect_without_token: boolean;
  /**
   * Refuse connection tokens of the anonymous user (`sub` empty or absent), closing with 3507
   * (permission denied). Default false.
   */
  disallow_anonymous_connection_tokens: boolean;
  /** Accept every connection without checking tokens (development only). Default false. */
  insecure: boolean;
  /** Origins allowed on the WebSocket upgrade (`*` wildcards allowed); empty allows all. */
  allowed_origins: string[];
  /** Server ping interval, ms. Default 25 000. */
  ping_interval: number;
  /** How long to wait for the pong after a ping, ms. Default 8 000. */
  pong_timeout: number;
  /** Grace period for an expired connection to refresh its token, ms. Default 25 000. */
  expired_close_delay: number;
  /** How long an open socket may stay without a connect command, ms. Default 10 000. */
  stale_close_delay: number;
  /** Channels per connection; 0 means no limit. Default 128. */
  channel_limit: number;
  /** Bytes waiting to be written per connection before it is closed as slow. Default 1 MiB. */
  queue_max_size: number;
  /**
   * How long frames wait to be written, ms: every connection writes what it got during the window
   * in one go. 0 (default): at the end of the event-loop turn. Trades latency for fewer writes.
   */
  write_delay: number;
  /**
   * Largest publication the server API and client `publish` accept, bytes as the node encodes it (data,
   * tags, publisher info, offset); a larger one is refused with error 106. At most half of
   * `queue_max_size`, and half of it when not set, so a subscriber's queue holds two of the largest.
   */
  max_publication_size: number;
  /** Connections per node; 0 means no limit. */
  connection_limit: number;
  /** Connections per user per node; 0 means no limit. */
  user_connection_limit: number;
  /** Commands per second per connection (burst of the same size); 0 means no limit. Default 100. */
  command_rate_limit: number;
  /** Most publications a client history call returns. Default 300. */
  history_max_publication_limit: number;
  /** Most publications a recovery returns; a larger gap is not recovered; 0 means no cap. Default 300. */
  recovery_max_publication_limit: number;
  /** How often a node refreshes its clients' presence entries, ms. Default 25 000. */
  presence_update_interval: number;
  /**
   * How often each subscription that tracks its position is compared with its stream's top, ms;
   * one that fell behind resubscribes and recovers. Default 40 000 (Centrifugo's).
   */
  channel_position_check_delay: number;
  subscribe_to_user_personal_channel: {
    /** Each authenticated connection joins `#<user>` server-side. Default true. */
    enabled: boolean;
    /** Namespace of personal channels (`ns:#42`); empty means `#42`. */
    personal_channel_namespace: string;
  };
}

/**
 * TLS on the node's own port (`http_server.tls`): HTTPS and WSS instead of HTTP and WS. The certificate
 * and key come from a PEM file or inline PEM text, one of the two each; files are read at start-up.
 */
export interface TlsConfig {
  /** Serve HTTPS and WSS. Default false. */
  enabled: boolean;
  /** Path of the PEM certificate (chain), leaf first. */
  cert_pem_file: string;
  /** Path of the PEM private key of the certificate. */
  key_pem_file: string;
  /** The PEM certificate (chain) itself, instead of `cert_pem_file`. */
  cert_pem: string;
  /** The PEM private key itself, instead of `key_pem_file`. */
  key_pem: string;
}

export interface Config {
  http_server: {
    /** Interface to listen on. Default "0.0.0.0". */
    address: string;
    /** Port; 0 picks a free one. Default 8000. */
    port: number;
    /**
     * Longest time, ms, a socket may take to send a complete request head (the WebSocket upgrade
     * included), and longest it may stay silent before its first request. Default 10 000.
     */
    header_timeout: number;
    /**
     * Addresses or CIDR ranges (`10.0.0.0/8`, `::1`) of proxies in front of the node (nginx, a load
     * balancer). A request from one of them has its client address taken from `X-Forwarded-For`
     * (the right-most address that is not itself trusted). Default none: the socket's address.
     */
    trusted_proxies: string[];
    tls: TlsConfig;
  };
  node: {
    /** Unique node name in a cluster. Default "<hostname>:<port>". */
    name: string;
  };
  engine: EngineConfig;
  log: {
    /** Default "info". */
    level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
    /**
     * `json`: one JSON object a line; `pretty`: coloured, human-readable lines; `auto`: pretty when
     * standard output is a terminal, JSON otherwise. Default `auto`.
     */
    format: 'auto' | 'json' | 'pretty';
  };
  client: ClientConfig;
  channel: {
    /** Longest channel name, in characters. Default 255. */
    max_length: number;
    without_namespace: ChannelOptions;
    namespaces: NamespaceConfig[];
    /** The "default" subscribe, publish and sub_refresh proxy endpoints. */
    proxy: ChannelProxyConfig;
  };
  /** RPC namespaces and their proxies (`rpc.proxy` is "default"). */
  rpc: RpcConfig;
  /** Named proxy endpoints, referenced by namespaces and RPC namespaces. */
  proxies: NamedProxyConfig[];
  /** Cluster-wide user online/offline events sent to the backend. */
  user_events: UserEventsConfig;
  /** Queues (Kafka, RabbitMQ, Redis Streams, NATS JetStream, a PostgreSQL outbox) the node consumes. */
  consumers: ConsumerConfig[];
  http_api: {
    /** Required in `X-API-Key` on every API call. */
    key: string;
    /**
     * More keys accepted besides `key`, for rotation: add the new key here, move the clients, then
     * make it `key` and drop the old one. Default none.
     */
    extra_keys: string[];
    /** Accept API calls without a key (development only). Default false. */
    insecure: boolean;
    /** How long a publish idempotency key is remembered, ms; 0 turns deduplication off. Default 300 000. */
    idempotency_ttl: number;
    /** Largest request body, bytes. Default 1 MiB. */
    max_body_size: number;
  };
  websocket: {
    /** Largest inbound frame, bytes; a larger one closes the connection (1009). Default 65 536. */
    message_size_limit: number;
    /**
     * WebSocket implementation: `lean`, the built-in RFC 6455 transport (less memory per connection),
     * or `ws`, the `ws` package. Default `lean`.
     */
    transport: 'lean' | 'ws';
  };
  /** Bidirectional emulation over HTTP streaming: `POST /connection/http_stream`, JSON or Protobuf. */
  http_stream: {
    /** Serve it. Default false, as in Centrifugo. */
    enabled: boolean;
    /** Largest connect request body, bytes. Default 65 536. */
    max_request_body_size: number;
  };
  /** Bidirectional emulation over Server-Sent Events: `GET|POST /connection/sse`, JSON only. */
  sse: {
    /** Serve it. Default false, as in Centrifugo. */
    enabled: boolean;
    /** Largest connect request body (POST) or `cf_connect` parameter, bytes. Default 65 536. */
    max_request_body_size: number;
  };
  /** Unidirectional SSE, no SDK: `GET /connection/uni_sse?cf_connect=…` or `POST` the connect request. */
  uni_sse: {
    /** Serve it. Default false, as in Centrifugo. */
    enabled: boolean;
    /** Largest connect request, bytes. Default 65 536. */
    max_request_body_size: number;
  };
  /** Unidirectional HTTP streaming, no SDK: `POST /connection/uni_http_stream` with the connect request. */
  uni_http_stream: {
    /** Serve it. Default false, as in Centrifugo. */
    enabled: boolean;
    /** Largest connect request, bytes. Default 65 536. */
    max_request_body_size: number;
  };
  /** Unidirectional WebSocket, no SDK: `/connection/uni_websocket`, the connect request in `cf_connect` or the first message. */
  uni_websocket: {
    /** Serve it. Default false, as in Centrifugo. */
    enabled: boolean;
  };
  /** `POST /emulation`: the commands of HTTP-streaming and SSE sessions, routed to the session's node. */
  emulation: {
    /** Largest request body, bytes. Default 65 536. */
    max_request_body_size: number;
  };
  shutdown: {
    /**
     * Hard limit of a graceful stop, ms: connections still open this long after the stop began are
     * cut. Default 10 000.
     */
    timeout: number;
    /**
     * Time over which a stopping node closes its connections (code 3001) in waves, ms; never more
     * than `timeout`. 0 closes them all at once. Default 5 000.
     */
    drain_duration: number;
    /** Number of waves the connections are split into. Default 10. */
    drain_waves: number;
  };
  demo: {
    /**
     * Serve the chat demo at `/` and `/demo/*`, including `GET /demo/token`, which signs a connection
     * token for any user name with `client.token.hmac_secret_key`: development only. Default false.
     */
    enabled: boolean;
  };
  admin: {
    /** Serve the admin web UI at `/admin`. Default false. */
    enabled: boolean;
    /** The password of the admin UI login; required when enabled unless `insecure`. */
    password: string;
    /** Signs admin session tokens; empty: a random secret per node process. */
    secret: string;
    /** The admin UI and its endpoints without login (development only). Default false. */
    insecure: boolean;
  };
  prometheus: {
    /** Serve the node's metrics in the Prometheus text format at `GET /metrics`. Default true. */
    enabled: boolean;
  };
  /**
   * OpenTelemetry traces, as in Centrifugo v6. The exporter is configured by the standard `OTEL_*`
   * variables (`OTEL_EXPORTER_OTLP_ENDPOINT`, …); proxy calls carry the W3C `traceparent`.
   */
  opentelemetry: {
    /** Set up tracing. Default false. */
    enabled: boolean;
    /** A span for every server API call (HTTP and gRPC). Default false. */
    api: boolean;
    /** A span for every message a consumer takes from a queue. Default false. */
    consuming: boolean;
  };
}
