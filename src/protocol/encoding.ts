/**
 * The seam between the client protocol's meaning and its bytes. The gateway works with commands,
 * typed results and pushes; an `Encoding` turns them into frames and back. JSON is the one in
 * `json/`; another encoding (Protobuf) is one more implementation of this interface and nothing
 * above `protocol/` changes. A session has one encoding for its life, chosen at the handshake.
 *
 * Every method returns finished bytes, ready to queue: the fan-out encodes a publication once per
 * encoding in use on the node and queues the same bytes to every subscriber of that encoding.
 */
import type { UnsubscribeCode } from './codes.js';
import type { DecodeResult } from './frame-items.js';
import type {
  ClientInfo,
  ConnectResult,
  HistoryResult,
  PresenceResult,
  PresenceStatsResult,
  ProtocolError,
  Publication,
  RefreshResult,
  RpcResult,
  SubRefreshResult,
  SubscribeResult,
} from './types.js';

export type EncodingName = 'json' | 'protobuf';

/** An empty result (`{}` in JSON). */
export type EmptyResult = Record<string, never>;

/** What each reply carries, by the method of the command it answers. */
export interface ReplyResults {
  connect: ConnectResult;
  subscribe: SubscribeResult;
  unsubscribe: EmptyResult;
  publish: EmptyResult;
  presence: PresenceResult;
  presence_stats: PresenceStatsResult;
  history: HistoryResult;
  ping: EmptyResult;
  rpc: RpcResult;
  refresh: RefreshResult;
  sub_refresh: SubRefreshResult;
}

export type ReplyMethod = keyof ReplyResults;

/** The `refresh` push: the server changed the connection's expiry (server API `refresh`). */
export interface RefreshPush {
  expires: boolean;
  ttl?: number;
}

export interface Encoding {
  readonly name: EncodingName;
  /** Slot of this encoding in per-encoding frame caches (0 for JSON). Small and dense. */
  readonly slot: number;
  /** Frames are binary (WebSocket opcode 2) rather than text. */
  readonly binary: boolean;
  /**
   * A unidirectional protocol (no SDK): the client's one message is its connect request, it gets
   * pushes only, and a failed connect ends the session with a disconnect instead of an error reply.
   */
  readonly unidirectional?: boolean;
  /** The server's ping. */
  readonly ping: Buffer;

  /** One inbound message into its commands; never throws on bad input. */
  decode(data: Buffer, isBinary: boolean): DecodeResult;
  /** The frames queued in one event-loop turn as one message (`bytes`: their total length). */
  join(frames: readonly Buffer[], bytes: number): Buffer;

  reply<M extends ReplyMethod>(id: number, method: M, result: ReplyResults[M]): Buffer;
  errorReply(id: number, error: ProtocolError): Buffer;

  /**
   * A publication push. `epoch` is the stream's: the publication with offset 1 carries it, so a
   * client learns the epoch of a stream that started (over) after it read the position.
   */
  publicationPush(channel: string, pub: Publication, epoch: string | undefined): Buffer;
  /**
   * A publication push to a subscription that negotiated delta compression: `patch` is the Fossil
   * delta of the data against the previous publication's, or undefined for the full data (which
   * the JSON protocol then carries as a JSON string, as Centrifugo does for delta subscribers). An
   * encoding that cannot carry `patch` (JSON, when it is not UTF-8) writes the full data instead.
   */
  deltaPublicationPush(
    channel: string,
    pub: Publication,
    epoch: string | undefined,
    patch: Uint8Array | undefined,
  ): Buffer;
  joinPush(channel: string, info: ClientInfo): Buffer;
  leavePush(channel: string, info: ClientInfo): Buffer;
  unsubscribePush(channel: string, code: UnsubscribeCode, reason?: string): Buffer;
  /** A server-side subscription made after connect (server API `subscribe`). */
  subscribePush(channel: string, result: SubscribeResult): Buffer;
  /** An asynchronous message to the user (server API `send`); `data` is raw JSON text. */
  messagePush(data: string): Buffer;
  refreshPush(push: RefreshPush): Buffer;
  /**
   * The `disconnect` push: how a transport without close frames (HTTP streaming, SSE) tells the
   * client why the session ends, before the response ends.
   */
  disconnectPush(code: number, reason: string): Buffer;
}

/**
 * Frames of one push or reply, encoded at most once per encoding: `get` encodes for an encoding
 * the first time it is asked and hands out the same bytes after that.
 */
export class FramePerEncoding {
  private readonly frames: (Buffer | undefined)[] = [];

  constructor(private readonly encode: (encoding: Encoding) => Buffer) {}

  get(encoding: Encoding): Buffer {
    let frame = this.frames[encoding.slot];
    if (frame === undefined) {
      frame = this.encode(encoding);
      this.frames[encoding.slot] = frame;
    }
    return frame;
  }
}
