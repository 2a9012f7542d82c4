/**
 * Raw protocol clients of the load generator: Switchboard's JSON and Protobuf protocols and
 * engine.io v4 / socket.io v5 over a `ws` socket, with no client library in the way. Each counts
 * deliveries (JSON: payloads carrying `"t":<send time>`; Protobuf: publication pushes, timed by the
 * same stamp in their data) into one shared {@link Delivery} sink.
 */
import WebSocket from 'ws';
import type { DocTracker } from './load-docs.js';
import {
  handshakeFrame,
  PONG,
  type PublicationView,
  type ReplyHandler,
  scanFrame,
  stampIn,
} from './load-protobuf.js';
import { Histogram, nowMs } from './stats.js';

/**
 * `switchboard`: the JSON protocol; `switchboard-protobuf`: the `centrifuge-protobuf` subprotocol;
 * `switchboard-http-stream` and `switchboard-sse`: JSON over bidirectional emulation (load-streams.ts).
 */
export type Proto =
  | 'switchboard'
  | 'switchboard-protobuf'
  | 'switchboard-http-stream'
  | 'switchboard-sse'
  | 'socketio'
  | 'ws';

/** Deliveries and their latency, shared by every client of the process. */
export class Delivery {
  count = 0;
  lastAt = 0;
  readonly latency = new Histogram();
  private waiters: { target: number; resolve: () => void }[] = [];

  /** Counts every `"t":<ms>` stamp in a frame. */
  scan(text: string): void {
    let i = text.indexOf('"t":');
    if (i === -1) return;
    const now = nowMs();
    while (i !== -1) {
      this.add(now, Number.parseFloat(text.slice(i + 4, i + 24)));
      i = text.indexOf('"t":', i + 4);
    }
    this.settle(now);
  }

  /** Counts one delivery received at `now`, sent at `sentAt` (NaN: not stamped, not timed). */
  add(now: number, sentAt: number): void {
    if (!Number.isNaN(sentAt)) this.latency.record(now - sentAt);
    this.count++;
  }

  /** Ends a frame whose deliveries were {@link add}ed: releases the waiters it satisfied. */
  settle(now: number): void {
    this.lastAt = now;
    if (this.waiters.length > 0) {
      const due = this.waiters.filter((w) => this.count >= w.target);
      if (due.length > 0) {
        this.waiters = this.waiters.filter((w) => this.count < w.target);
        for (const w of due) w.resolve();
      }
    }
  }

  /** Resolves once `target` deliveries were counted, or after `timeoutMs`. */
  waitFor(target: number, timeoutMs: number): Promise<void> {
    if (this.count >= target) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        target,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  reset(): void {
    this.count = 0;
    this.lastAt = 0;
    this.latency.reset();
  }
}

export interface ClientOptions {
  proto: Proto;
  port: number;
  /** Connection JWT; its `sub` gives the personal channel/room. */
  token?: string | undefined;
  /** Channel (room) to subscribe to besides the personal one. */
  channel?: string | undefined;
  /** Switchboard: parse every frame to follow the stream position (for recovery). */
  track?: boolean;
  /** Remember the latest tick (`"symbol":"…","price":…`) delivered per symbol. */
  keys?: boolean;
  /** Switchboard: subscribe with `delta: "fossil"`. */
  delta?: boolean;
  /** Switchboard: hand every frame's size and publication to this tracker instead of the sink. */
  docs?: DocTracker | undefined;
}

/** A tick as the publisher writes it (socket.io re-serialises the data with the same key order). */
const TICK = /"symbol":"([^"]*)","price":([-0-9.e+]+)/g;

/** What the load generator holds of every client, whatever its transport. */
export interface BenchClient {
  options: ClientOptions;
  /** Set by a subscribe reply carrying `recovered: true`. */
  recovered: boolean;
  offset: number;
  /** With `keys`: the latest price delivered per symbol, in delivery order. */
  readonly latest: Map<string, number>;
  /** Called when the connection closes after being ready. */
  onClose: (() => void) | undefined;
  /** Connects and subscribes; `recover` asks to recover from the last position. */
  open(recover?: boolean): Promise<void>;
  close(): void;
}

/** One raw WebSocket client. `ready` resolves when connected and subscribed, rejects on failure. */
export class LoadClient implements BenchClient {
  ws!: WebSocket;
  epoch = '';
  offset = 0;
  /** Set by a subscribe reply carrying `recovered: true`. */
  recovered = false;
  /** Called when the socket closes after being ready. */
  onClose: (() => void) | undefined;
  /** With `keys`: the latest price delivered per symbol, in delivery order. */
  readonly latest = new Map<string, number>();
  private isReady = false;
  /** Protobuf: what the frame scanner reports to, made once per client. */
  private readonly replies: ReplyHandler;
  /** Protobuf: receive time of the frame being scanned. */
  private frameAt = 0;

  constructor(
    private readonly sink: Delivery,
    public options: ClientOptions,
  ) {
    this.replies = {
      ping: () => this.ws.send(PONG),
      publication: (buf, pub) => this.onProtobufPublication(buf, pub),
      reply: () => {},
    };
  }

  /** Opens the socket and runs the handshake; `recover` asks Switchboard to recover from `epoch/offset`. */
  open(recover = false): Promise<void> {
    const { proto, port } = this.options;
    this.isReady = false;
    const url =
      proto === 'socketio'
        ? `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket${this.options.channel ? `&rooms=${encodeURIComponent(this.options.channel)}` : ''}`
        : proto === 'ws'
          ? `ws://127.0.0.1:${port}/`
          : `ws://127.0.0.1:${port}/connection/websocket`;
    const ws =
      proto === 'switchboard-protobuf'
        ? new WebSocket(url, 'centrifuge-protobuf', { perMessageDeflate: false })
        : new WebSocket(url, { perMessageDeflate: false });
    this.ws = ws;
    return new Promise<void>((resolve, reject) => {
      const fail = (why: string) => {
        if (this.isReady) return;
        ws.terminate();
        reject(new Error(why));
      };
      const ready = () => {
        this.isReady = true;
        resolve();
      };
      ws.on('error', (e) => fail(e.message));
      ws.on('close', () => {
        if (this.isReady) this.onClose?.();
        else fail('closed during handshake');
      });
      ws.on('open', () => {
        if (proto === 'ws') ready();
        else if (proto === 'switchboard') ws.send(this.connectFrame(recover));
        else if (proto === 'switchboard-protobuf') ws.send(this.protobufConnectFrame(recover));
      });
      ws.on('message', (data: Buffer) => {
        if (proto === 'switchboard-protobuf') {
          this.onProtobuf(data, ready, fail);
          return;
        }
        const text = data.toString();
        if (proto === 'switchboard') this.onSwitchboard(text, ready, fail);
        else if (proto === 'socketio') this.onSocketIo(text, ready, fail);
        else if (proto === 'ws' && this.isReady) this.sink.scan(text);
      });
    });
  }

  private connectFrame(recover: boolean): string {
    const token = this.options.token ? `"token":"${this.options.token}"` : '';
    let frame = `{"id":1,"connect":{${token}}}`;
    const channel = this.options.channel;
    if (channel) {
      const pos = recover ? `,"recover":true,"epoch":"${this.epoch}","offset":${this.offset}` : '';
      const delta = this.options.delta ? ',"delta":"fossil"' : '';
      frame += `\n{"id":2,"subscribe":{"channel":${JSON.stringify(channel)}${pos}${delta}}}`;
    }
    return frame;
  }

  private onSwitchboard(text: string, ready: () => void, fail: (why: string) => void): void {
    if (text === '{}') {
      this.ws.send('{}');
      return;
    }
    const docs = this.options.docs;
    if (this.isReady && docs !== undefined) docs.frame(Buffer.byteLength(text));
    if (this.isReady && !this.options.track && docs === undefined) {
      this.sink.scan(text);
      if (this.options.keys) this.scanTicks(text);
      return;
    }
    const lastId = this.options.channel ? 2 : 1;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if (line === '{}') {
        this.ws.send('{}');
        continue;
      }
      const msg = JSON.parse(line) as {
        id?: number;
        error?: { code: number; message: string };
        subscribe?: {
          epoch?: string;
          offset?: number;
          recovered?: boolean;
          delta?: boolean;
          publications?: { offset?: number }[];
        };
        push?: { pub?: { offset?: number; data?: unknown; delta?: boolean } };
      };
      if (msg.error) fail(`error ${msg.error.code} ${msg.error.message}`);
      if (msg.subscribe) {
        if (docs !== undefined) docs.deltaNegotiated = msg.subscribe.delta === true;
        this.epoch = msg.subscribe.epoch ?? this.epoch;
        if (msg.subscribe.offset !== undefined) this.offset = msg.subscribe.offset;
        if (msg.subscribe.recovered) this.recovered = true;
        // A recovered reply carries the client's own offset; its publications move it on, as in the SDKs.
        const last = msg.subscribe.publications?.at(-1);
        if (last?.offset !== undefined) this.offset = last.offset;
        if (msg.subscribe.publications?.length) this.sink.scan(line);
      }
      if (msg.push?.pub) {
        const pub = msg.push.pub;
        if (pub.offset !== undefined) this.offset = pub.offset;
        if (docs === undefined) this.sink.scan(line);
        else if (this.isReady) {
          // With delta negotiated, data is a JSON string holding the bytes (UTF-8, as the SDKs read it),
          // the delta or the full document; otherwise it is the document itself.
          const bytes = docs.deltaNegotiated
            ? Buffer.from(String(pub.data), 'utf8')
            : Buffer.from(JSON.stringify(pub.data));
          docs.publication(bytes, pub.delta === true);
        }
      }
      if (msg.id === lastId && !msg.error) ready();
    }
  }

  private protobufConnectFrame(recover: boolean): Buffer {
    const channel = this.options.channel;
    return handshakeFrame(
      this.options.token,
      channel
        ? {
            channel,
            ...(recover ? { recover: { epoch: this.epoch, offset: this.offset } } : {}),
            ...(this.options.delta ? { delta: 'fossil' } : {}),
          }
        : undefined,
    );
  }

  /**
   * A binary frame of `Reply`s. Ready, only publications are looked at (by field tags, see
   * load-protobuf.ts); during the handshake the replies to connect (1) and subscribe (2) are read too.
   */
  private onProtobuf(data: Buffer, ready: () => void, fail: (why: string) => void): void {
    const docs = this.options.docs;
    if (this.isReady && docs !== undefined && !(data.length === 1 && data[0] === 0)) docs.frame(data.length);
    this.frameAt = nowMs();
    const lastId = this.options.channel ? 2 : 1;
    const count = this.sink.count;
    if (!this.isReady) {
      this.replies.reply = (id, error, subscribe) => {
        if (error) fail(`error ${error.code} ${error.message}`);
        else if (subscribe) {
          if (docs !== undefined) docs.deltaNegotiated = subscribe.delta;
          this.epoch = subscribe.epoch || this.epoch;
          // Recovered publications (reported before the reply) may have moved the offset on already.
          if (subscribe.offset > this.offset) this.offset = subscribe.offset;
          if (subscribe.recovered) this.recovered = true;
        }
        if (id === lastId && !error) ready();
      };
    }
    try {
      scanFrame(data, this.replies);
    } catch (error) {
      fail(`bad protobuf frame: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (this.sink.count !== count) this.sink.settle(this.frameAt);
  }

  private onProtobufPublication(buf: Buffer, pub: PublicationView): void {
    if (pub.offset > 0) this.offset = pub.offset;
    const docs = this.options.docs;
    if (docs !== undefined) {
      if (this.isReady) docs.publication(buf.subarray(pub.dataStart, pub.dataEnd), pub.delta);
      return;
    }
    this.sink.add(this.frameAt, stampIn(buf, pub.dataStart, pub.dataEnd));
  }

  private onSocketIo(text: string, ready: () => void, fail: (why: string) => void): void {
    switch (text.charCodeAt(0)) {
      case 50: // '2' engine.io ping
        this.ws.send('3');
        return;
      case 48: // '0' engine.io open: connect to the main namespace, with the token as auth
        this.ws.send(this.options.token ? `40{"token":"${this.options.token}"}` : '40');
        return;
      case 52: // '4' engine.io message carrying a socket.io packet
        if (text.charCodeAt(1) === 50) {
          this.sink.scan(text);
          if (this.options.keys) this.scanTicks(text);
        } else if (text.charCodeAt(1) === 48) ready();
        else if (text.charCodeAt(1) === 52) fail(`connect_error ${text.slice(2)}`);
        return;
      default:
        return;
    }
  }

  private scanTicks(text: string): void {
    for (const m of text.matchAll(TICK)) this.latest.set(m[1]!, Number.parseFloat(m[2]!));
  }

  close(): void {
    this.onClose = undefined;
    this.ws.terminate();
  }
}
