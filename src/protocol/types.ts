/**
 * Shapes of the Centrifugo client protocol v2 in its JSON encoding. Field names are the wire names.
 * Publication data travels as raw JSON text (`RawJson`) so a node never re-parses or re-encodes
 * what a publisher sent: it is spliced into every frame as it is.
 */

/** JSON text, already validated, spliced into frames verbatim. */
export type RawJson = string;

/** Who published, joined or left. */
export interface ClientInfo {
  user: string;
  client: string;
  /** Connection info from the connection token's `info` claim. */
  conn_info?: unknown;
  /** Channel info from the subscription token's `info` claim. */
  chan_info?: unknown;
}

/** One message in a channel. `offset` is set on channels with history. */
export interface Publication {
  /** Raw JSON text, or with `binary` the base64 of bytes that are not JSON. */
  data: RawJson;
  /**
   * `data` holds bytes that are not JSON, base64-encoded: published by a Protobuf client (whose data
   * is bytes) or through the server API's `b64data`. Protobuf clients get the bytes; JSON clients get
   * the base64 text as a JSON string, so their frames stay valid JSON.
   */
  binary?: boolean;
  /**
   * The publisher lets this publication go out as a delta (the server API's `delta`; a namespace's
   * `delta_publish` does it for all). Subscribers that negotiated delta compression then get a
   * Fossil delta against the previous publication's data.
   */
  delta?: boolean;
  info?: ClientInfo;
  offset?: number;
  tags?: Record<string, string>;
  /** Publication time, Unix milliseconds. */
  time?: number;
  /**
   * The publisher's version of the state this publication carries (server API `version`; absent
   * for none). With history the engine drops a publication whose version is not newer than the
   * stream's last (see the engine's `PublishOptions.versionEpoch`); clients get it as `pub.version`.
   */
  version?: number;
}

/** A position in a channel stream. */
export interface StreamPosition {
  offset: number;
  epoch: string;
}

export interface ProtocolError {
  code: number;
  message: string;
  temporary?: boolean;
}

export interface SubscribeRequestFields {
  recover?: boolean;
  epoch?: string;
  offset?: number;
}

export interface ConnectRequest {
  token?: string;
  data?: unknown;
  subs?: Record<string, SubscribeRequestFields>;
  name?: string;
  version?: string;
}

export interface SubscribeRequest extends SubscribeRequestFields {
  channel: string;
  token?: string;
  data?: unknown;
  positioned?: boolean;
  recoverable?: boolean;
  join_leave?: boolean;
  flag?: number;
}

export interface ChannelRequest {
  channel: string;
}

export interface PublishRequest {
  channel: string;
  data: unknown;
}

export interface HistoryRequest {
  channel: string;
  limit?: number;
  since?: StreamPosition;
  reverse?: boolean;
}

export interface RefreshRequest {
  token: string;
}

export interface SubRefreshRequest {
  channel: string;
  token: string;
}

export interface RpcRequest {
  method?: string;
  data?: unknown;
}

export interface SendRequest {
  data?: unknown;
}

/** The command kinds a client may send, by their wire field name. */
export type CommandMethod =
  | 'connect'
  | 'subscribe'
  | 'unsubscribe'
  | 'publish'
  | 'presence'
  | 'presence_stats'
  | 'history'
  | 'ping'
  | 'send'
  | 'rpc'
  | 'refresh'
  | 'sub_refresh';

/** A decoded client command: its id, which method it carries, and that method's request body. */
export interface Command {
  id: number;
  method: CommandMethod;
  /** The request object as decoded; handlers validate its fields. */
  params: Record<string, unknown>;
}

export interface SubscribeResult {
  /**
   * Delta compression negotiated (`delta: "fossil"` asked for and allowed): recovered publications
   * go out as a chain, the first in full and each next one as a delta against the one before.
   */
  delta?: boolean;
  expires?: boolean;
  ttl?: number;
  recoverable?: boolean;
  epoch?: string;
  publications?: Publication[];
  recovered?: boolean;
  offset?: number;
  positioned?: boolean;
  data?: unknown;
  was_recovering?: boolean;
}

export interface ConnectResult {
  client: string;
  version: string;
  expires?: boolean;
  ttl?: number;
  data?: unknown;
  /** Server-side subscriptions by channel (a Map: channel names are not safe object keys). */
  subs?: ReadonlyMap<string, SubscribeResult>;
  ping?: number;
  pong?: boolean;
  session?: string;
  node?: string;
  time?: number;
}

/** The `refresh` reply. Like Centrifugo's, ours carries only the expiry. */
export interface RefreshResult {
  client?: string;
  version?: string;
  expires?: boolean;
  ttl?: number;
}

export interface SubRefreshResult {
  expires?: boolean;
  ttl?: number;
}

export interface RpcResult {
  /** JSON text, or with `binary` the base64 of bytes that are not JSON. */
  data?: RawJson;
  binary?: boolean;
}

export interface HistoryResult {
  publications: Publication[];
  epoch: string;
  offset: number;
}

export interface PresenceResult {
  presence: Record<string, ClientInfo>;
}

export interface PresenceStatsResult {
  num_clients: number;
  num_users: number;
}
