/**
 * One client connection: decodes its frames, runs its commands one after another, queues its
 * outbound frames and writes them once per event-loop turn, and keeps its deadlines (stale, ping,
 * pong, expiry) in the node's shared timer wheel (`connection-deadlines.ts`, the class it extends).
 * It is the `Session` the commands run on, over whatever `Transport` carries it.
 */

import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { DisconnectCode, disconnectReason, ErrorCode, UnsubscribeCode } from '../protocol/codes.js';
import type { Encoding, ReplyMethod, ReplyResults } from '../protocol/encoding.js';
import { CommandError } from '../protocol/errors.js';
import type { FrameItem } from '../protocol/frame-items.js';
import type { ClientInfo, Command, RawJson } from '../protocol/types.js';
import type { ClientSubscription } from './client-subscription.js';
import { dispatchCommand, replyError } from './commands/dispatch.js';
import { refreshExpired } from './commands/node-refresh.js';
import { ConnectionDeadlines } from './connection-deadlines.js';
import type { ConnectionHost } from './connection-host.js';
import type { Flushable } from './flush-scheduler.js';
import type { ForwardedHeaders } from './forwarded-headers.js';
import { pickHeaders } from './forwarded-headers.js';
import { RateLimiter } from './rate-limiter.js';
import type { Session, SessionIdentity, SessionState } from './session.js';
import { SubscriptionTable } from './subscription-table.js';
import type { Transport, TransportHandler } from './transport.js';

/** Commands waiting to run on one connection before it is closed for flooding. */
const MAX_INBOX = 1024;
/**
 * How long a connection whose `connect` failed is kept for the client's close frame before the
 * socket is dropped: Centrifugo's `closeFrameWait` (centrifuge `handler_websocket.go`).
 */
const REFUSED_CONNECT_GRACE_MS = 5000;

export class Connection extends ConnectionDeadlines implements Session, Flushable, TransportHandler {
  // randomUUID returns a tree of ~14 concatenated strings (~450 bytes); a flat copy is 56.
  readonly id = flatten(randomUUID());
  override readonly subs = new SubscriptionTable();
  // Who the session is, kept as fields of their own (no object per connection); see `identify`.
  private userId = '';
  private connInfo: unknown;
  private clientName = '';
  private clientVersion = '';
  /** The last `clientInfo()` made without channel info. */
  private plainInfo: ClientInfo | undefined;
  meta: RawJson | undefined;
  emulatedHeaders: ForwardedHeaders | undefined;
  readonly forwardedHeaders: ForwardedHeaders | undefined;

  /** Frames for the next write; null while there are none (most of an idle connection's life). */
  private queue: Buffer[] | null = null;
  private queuedBytes = 0;
  /** Commands waiting to run; null while there are none. */
  private inbox: Command[] | null = null;
  protected override processing = false;
  /** `connect` failed with an error reply: nothing the client sends afterwards is read. */
  protected override refused = false;
  private readonly limiter: RateLimiter;

  constructor(
    host: ConnectionHost,
    private readonly transport: Transport,
    /** The client protocol's encoding, chosen at the handshake. */
    encoding: Encoding,
    /** The headers of the HTTP request that opened the connection; only allow-listed ones are kept. */
    requestHeaders?: IncomingHttpHeaders,
  ) {
    super(host, encoding);
    this.forwardedHeaders = pickHeaders(requestHeaders, host.forwardedHeaderNames);
    const rate = host.config.client.command_rate_limit;
    this.limiter = rate === 0 ? RateLimiter.UNLIMITED : new RateLimiter(rate);
    transport.attach(this);
    host.connections.track(this);
    host.wheel.schedule(this, this.staleAt);
  }

  get user(): string {
    return this.userId;
  }

  get transportName(): string {
    return this.transport.name ?? 'websocket';
  }

  get streamSession(): string {
    return this.transport.session ?? '';
  }

  /** Connection info from the token, shown to others. */
  get info(): unknown {
    return this.connInfo;
  }

  get name(): string {
    return this.clientName;
  }

  get version(): string {
    return this.clientVersion;
  }

  get state(): SessionState {
    return this.current;
  }

  get expiresAt(): number {
    return this.expiry;
  }

  /** A new connection token expiry (Unix ms, 0: never): the deadline moves with it. */
  set expiresAt(at: number) {
    this.expiry = at;
    this.reschedule();
  }

  identify(identity: SessionIdentity): void {
    this.userId = identity.user;
    this.connInfo = identity.info;
    this.clientName = identity.name;
    this.clientVersion = identity.version;
  }

  setInfo(info: unknown): void {
    this.connInfo = info;
    // As in Centrifugo, where a client's info is read when used: later publications and presence
    // updates in the channels it is subscribed to show the new info.
    for (const sub of this.subs.values()) sub.info = this.clientInfo(sub.info.chan_info);
  }

  setSubscriptionExpiry(sub: ClientSubscription, expiresAt: number): void {
    sub.expiresAt = expiresAt;
    this.reschedule();
  }

  /**
   * Who this connection is, as shown in presence, join/leave and publications. Without channel
   * info the same object serves every subscription until the user or the connection info changes
   * (nothing changes a ClientInfo once made).
   */
  clientInfo(chanInfo?: unknown): ClientInfo {
    const plain = this.plainInfo;
    if (
      chanInfo === undefined &&
      plain !== undefined &&
      plain.user === this.userId &&
      plain.conn_info === this.connInfo
    ) {
      return plain;
    }
    const info: ClientInfo = { user: this.user, client: this.id };
    if (this.info !== undefined) info.conn_info = this.info;
    if (chanInfo !== undefined) info.chan_info = chanInfo;
    else this.plainInfo = info;
    return info;
  }

  /** Queues a frame; all frames queued in one turn go out in one write. */
  override enqueue(frame: Buffer): void {
    if (this.current === 'closed') return;
    if (this.queue === null) {
      this.queue = [frame];
      this.host.flusher.mark(this);
    } else {
      this.queue.push(frame);
    }
    this.queuedBytes += frame.length;
    if (this.queuedBytes > this.host.config.client.queue_max_size) this.close(DisconnectCode.Slow);
  }

  /** Bytes queued for the next write plus bytes the socket has not written yet. */
  get outboundBytes(): number {
    return this.queuedBytes + (this.transport.isOpen ? this.transport.bufferedAmount : 0);
  }

  reply<M extends ReplyMethod>(id: number, method: M, result: ReplyResults[M]): void {
    this.enqueue(this.encoding.reply(id, method, result));
  }

  flush(): void {
    const queue = this.queue;
    if (queue === null || !this.transport.isOpen) return;
    const bytes = this.queuedBytes;
    this.queue = null;
    this.queuedBytes = 0;
    // Bytes the socket has not written yet count against the same limit: a client that does not
    // read must not make the node hold its messages.
    if (this.transport.bufferedAmount + bytes > this.host.config.client.queue_max_size) {
      this.close(DisconnectCode.Slow);
      return;
    }
    const transport = this.transport;
    if (transport.framer === undefined) {
      transport.send(this.encoding.join(queue, bytes), this.encoding.binary);
    } else {
      transport.writeWire!(this.host.flusher.wire.of(queue, bytes, this.encoding, transport.framer));
    }
  }

  /** Ends the connection with a disconnect code. Subscriptions are released at once. */
  override close(code: DisconnectCode, reason: string = disconnectReason(code)): void {
    if (this.current === 'closed') return;
    this.host.metrics?.disconnect(code);
    this.host.log.debug({ client: this.id, user: this.user, code, reason }, 'disconnecting client');
    if (code === DisconnectCode.Slow) {
      this.queue = null;
      this.queuedBytes = 0;
    } else {
      this.flush();
    }
    this.current = 'closed';
    this.host.wheel.cancel(this);
    this.release();
    if (code === DisconnectCode.Slow || code === DisconnectCode.ConnectionClosed) {
      // A client that does not read would never complete the close handshake; a refused connect
      // is dropped without one, as Centrifugo drops it (the client sees 1006).
      this.transport.terminate();
    } else {
      // A close frame carries at most 123 bytes of reason.
      this.transport.close(
        code,
        Buffer.byteLength(reason) > 123 ? disconnectReason(code) || 'disconnect' : reason,
      );
    }
  }

  onInsufficientState(sub: ClientSubscription): void {
    if (sub.serverSide) {
      this.close(DisconnectCode.InsufficientState);
      return;
    }
    this.host.subscriptions.remove(this, sub);
    this.enqueue(this.encoding.unsubscribePush(sub.channel, UnsubscribeCode.InsufficientState));
  }

  /**
   * The connection (and its subscriptions refreshed by the node) expired: asks the backend through
   * the refresh proxies, one round at a time; the deadline waits meanwhile (an extension or the
   * end of the connection comes back). See `commands/node-refresh.ts`.
   */
  protected override refreshOnNode(): void {
    if (this.refreshing) return;
    this.refreshing = true;
    void refreshExpired(this, this.host.commands, Date.now()).finally(() => {
      this.refreshing = false;
      this.reschedule();
    });
  }

  /** Subscriptions whose token expired and was not refreshed: the client resubscribes with a new token. */
  protected override expireSubscriptions(now: number): void {
    const delay = this.host.config.client.expired_close_delay;
    for (const sub of [...this.subs.values()]) {
      if (sub.expiresAt === 0) continue;
      if (sub.serverRefresh) {
        if (now >= sub.expiresAt) this.refreshOnNode();
        continue;
      }
      if (now < sub.expiresAt + delay) continue;
      this.host.subscriptions.remove(this, sub);
      this.enqueue(this.encoding.unsubscribePush(sub.channel, UnsubscribeCode.Expired));
    }
  }

  /** Leaves the registry and ends every subscription: nothing finds a closed connection any more. */
  private release(): void {
    this.host.connections.release(this);
    this.host.subscriptions.removeAll(this);
  }

  /** The transport's pongs would pass `queue_max_size` (TransportHandler): a slow client. */
  onSlow(): void {
    this.close(DisconnectCode.Slow);
  }

  /** The socket closed or is closing (TransportHandler). */
  onClose(): void {
    if (this.current === 'closed') return;
    this.current = 'closed';
    this.queue = null;
    this.host.wheel.cancel(this);
    this.release();
  }

  /** One inbound message (TransportHandler). */
  onMessage(data: Buffer, isBinary: boolean): void {
    if (this.current === 'closed' || this.refused) return;
    // Any frame proves the client is alive; an empty command is the explicit pong.
    this.pingSentAt = 0;
    const decoded = this.encoding.decode(data, isBinary);
    if (!decoded.ok) {
      this.host.log.debug({ client: this.id, reason: decoded.reason }, 'bad frame');
      this.close(DisconnectCode.BadRequest, `bad request: ${decoded.reason}`);
      return;
    }
    for (const item of decoded.items) this.accept(item);
    const inbox = this.inbox;
    if (inbox === null) return;
    if (inbox.length > MAX_INBOX) {
      this.close(DisconnectCode.TooManyRequests);
      return;
    }
    if (!this.processing && inbox.length > 0) void this.process();
  }

  private accept(item: FrameItem): void {
    if (item.kind === 'pong') return;
    if (!this.limiter.take()) {
      const id = item.kind === 'unknown' ? item.id : item.command.id;
      this.host.metrics?.commandResult(item.kind === 'unknown' ? 'unknown' : item.command.method, '111');
      if (id > 0) this.replyError(id, new CommandError(ErrorCode.TooManyRequests));
      return;
    }
    if (item.kind === 'unknown') {
      if (this.current === 'opening') {
        this.close(DisconnectCode.BadRequest, 'bad request: connect first');
        return;
      }
      this.host.metrics?.commandResult('unknown', '104');
      this.replyError(item.id, new CommandError(ErrorCode.MethodNotFound));
      return;
    }
    if (this.inbox === null) this.inbox = [item.command];
    else this.inbox.push(item.command);
  }

  private async process(): Promise<void> {
    this.processing = true;
    try {
      while (this.current !== 'closed') {
        const cmd = this.inbox?.shift();
        if (cmd === undefined) break;
        if ((await dispatchCommand(this, cmd, this.host)) === 'refuse') this.refuseFurtherFrames();
      }
    } finally {
      this.processing = false;
      if (this.inbox?.length === 0) this.inbox = null;
    }
  }

  /**
   * After a failed `connect` (an error reply: 109, 102, 100…) Centrifugo marks the connection
   * unusable and stops reading it (`handleCommandDispatchError`): the client must open a new one,
   * so one socket cannot be used to try token after token. It is dropped without a close frame once
   * the grace is over, or when `stale_close_delay` ends first. Centrifugo closes it with 3502 then,
   * which tells an SDK that reads the close late (a slow network) to stop reconnecting although its
   * connect was answered with a temporary error; a drop makes it reconnect.
   */
  private refuseFurtherFrames(): void {
    this.refused = true;
    this.inbox = null;
    this.host.wheel.schedule(this, Math.min(this.staleAt, Date.now() + REFUSED_CONNECT_GRACE_MS));
  }

  private replyError(id: number, error: CommandError): void {
    replyError(this, id, error.toProtocol());
  }
}

/** A flat copy of a string built by concatenation: the parts are freed. */
function flatten(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}
