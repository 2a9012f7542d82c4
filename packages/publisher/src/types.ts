/** Parameters and results of every server API method, as sent and received over HTTP. */
// The package depends on nothing of the server's: the shapes the server answers with are written
// out here (test/publisher/server-types.test.ts checks that the server's own types still fit them).

/** One node of the cluster, as `info` lists it. */
export interface NodeInfo {
  uid: string;
  name: string;
  version: string;
  num_clients: number;
  num_users: number;
  num_channels: number;
  num_subs: number;
  /** Seconds since the node started. */
  uptime: number;
  process: { rss: number; heap_used: number };
  /** Totals since the node started: rates are differences between readings. */
  counters: { publications: number; deliveries: number };
}

/** A connection as listed by the `connections` API method. */
export interface ConnectionEntry {
  client: string;
  user: string;
  node: string;
  node_name: string;
  channels: string[];
  name?: string;
  version?: string;
}

/** Options shared by `publish` and `broadcast`. */
export interface PublishOptions {
  /**
   * Deduplicates the publish on the server for `http_api.idempotency_ttl`. The publisher fills in a
   * random UUID when none is given, and sends the same key on every retry.
   */
  idempotency_key?: string;
  tags?: Record<string, string>;
  skip_history?: boolean;
  /**
   * The version of the state the data carries (an integer; 0: none). On a channel with history a
   * publish whose version is not above the channel's last one is dropped and answered with the
   * channel's current position, so publishes that arrive out of order never deliver an older state.
   */
  version?: number;
  /** Names the series `version` counts in; another one starts over (see the server API docs). */
  version_epoch?: string;
}

export interface PublishRequest extends PublishOptions {
  channel: string;
  data: unknown;
}

/** Empty on a channel without history; the publication's stream position otherwise. */
export interface PublishResult {
  offset?: number;
  epoch?: string;
}

export interface BroadcastRequest extends PublishOptions {
  channels: string[];
  data: unknown;
}

/** One channel's outcome in a `broadcast`. */
export type BroadcastResponse = { result: PublishResult } | { error: ApiError };

export interface BroadcastResult {
  responses: BroadcastResponse[];
}

export interface SubscribeRequest {
  user: string;
  channel: string;
  client?: string;
}

export type UnsubscribeRequest = SubscribeRequest;

export interface DisconnectRequest {
  user: string;
  client?: string;
  whitelist?: string[];
  disconnect?: { code?: number; reason?: string };
}

export interface RefreshRequest {
  user: string;
  client?: string;
  expired?: boolean;
  /** Unix seconds; `0` lifts the expiry. */
  expire_at?: number;
}

/** An asynchronous message to a user's connections (the SDK's `message` event). */
export interface SendRequest {
  user: string;
  data: unknown;
  /** Only this connection of the user. */
  client?: string;
}

/** The result of `subscribe`, `unsubscribe`, `disconnect`, `refresh`, `send` and `history_remove`. */
export type EmptyResult = Record<string, never>;

export interface ChannelRequest {
  channel: string;
}

export interface ClientInfo {
  user: string;
  client: string;
  conn_info?: unknown;
  chan_info?: unknown;
}

export interface PresenceResult {
  presence: Record<string, ClientInfo>;
}

export interface PresenceStatsResult {
  num_clients: number;
  num_users: number;
}

export interface StreamPosition {
  offset: number;
  epoch: string;
}

export interface HistoryRequest {
  channel: string;
  /** `0` (default): position only; `-1`: every kept publication; `N`: at most N. */
  limit?: number;
  since?: { offset: number; epoch?: string };
  reverse?: boolean;
}

export interface HistoryPublication {
  data: unknown;
  offset: number;
  tags?: Record<string, string>;
  info?: ClientInfo;
}

export interface HistoryResult extends StreamPosition {
  publications: HistoryPublication[];
}

export interface ChannelsRequest {
  pattern?: string;
}

export interface ChannelsResult {
  channels: Record<string, { num_clients: number }>;
}

export interface InfoResult {
  nodes: NodeInfo[];
}

export interface ConnectionsRequest {
  user?: string;
}

export interface ConnectionsResult {
  connections: Record<string, ConnectionEntry>;
}

export interface OnlineUsersRequest {
  /** Users per page: 1 to 10,000, default 1,000. */
  limit?: number;
  /** The `cursor` of the previous page. */
  cursor?: string;
}

export interface OnlineUsersResult {
  /** Each online user with the version of their last online/offline event. */
  users: { user: string; version: number }[];
  /** Present while more pages follow. */
  cursor?: string;
}

/** An error object as the server sends it. */
export interface ApiError {
  code: number;
  message: string;
  temporary?: boolean;
}

/** Every method except `batch`: its parameters and its result. */
export interface ApiMethods {
  publish: [PublishRequest, PublishResult];
  broadcast: [BroadcastRequest, BroadcastResult];
  subscribe: [SubscribeRequest, EmptyResult];
  unsubscribe: [UnsubscribeRequest, EmptyResult];
  disconnect: [DisconnectRequest, EmptyResult];
  refresh: [RefreshRequest, EmptyResult];
  presence: [ChannelRequest, PresenceResult];
  presence_stats: [ChannelRequest, PresenceStatsResult];
  history: [HistoryRequest, HistoryResult];
  history_remove: [ChannelRequest, EmptyResult];
  channels: [ChannelsRequest, ChannelsResult];
  info: [Record<string, never>, InfoResult];
  connections: [ConnectionsRequest, ConnectionsResult];
  send: [SendRequest, EmptyResult];
  online_users: [OnlineUsersRequest, OnlineUsersResult];
}

export type MethodName = keyof ApiMethods;
export type RequestOf<M extends MethodName> = ApiMethods[M][0];
export type ResultOf<M extends MethodName> = ApiMethods[M][1];

/** One command of a `batch`. */
export type BatchCommand = { [M in MethodName]: { method: M; params: RequestOf<M> } }[MethodName];

/** One reply of a `batch`, in command order: `{"<method>": result}` or `{"error": {...}}`. */
export type BatchReply = { [M in MethodName]: { [K in M]: ResultOf<M> } }[MethodName] | { error: ApiError };

export interface BatchRequest {
  commands: BatchCommand[];
}

export interface BatchResult {
  replies: BatchReply[];
}
