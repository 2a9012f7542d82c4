/**
 * Raw protocol clients of the load generator: Switchboard's JSON protocol and engine.io v4 /
 * socket.io v5 over a `ws` socket, with no client library in the way. Each counts deliveries (payloads
 * carrying `"t":<send time>`) into one shared {@link Delivery} sink.
 */
import WebSocket from 'ws';
import { Histogram, nowMs } from './stats.js';

export type Proto = 'switchboard' | 'socketio' | 'ws';

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
      this.latency.record(now - Number.parseFloat(text.slice(i + 4, i + 24)));
      this.count++;
      i = text.indexOf('"t":', i + 4);
    }
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
}

/** A tick as the publisher writes it (socket.io re-serialises the data with the same key order). */
const TICK = /"symbol":"([^"]*)","price":([-0-9.e+]+)/g;

/** One raw client. `ready` resolves when connected and subscribed, rejects on failure. */
export class LoadClient {
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

  constructor(
    private readonly sink: Delivery,
    public options: ClientOptions,
  ) {}

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
    const ws = new WebSocket(url, { perMessageDeflate: false });
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
      });
      ws.on('message', (data: Buffer) => {
        const text = data.toString();
        if (proto === 'switchboard') this.onSwitchboard(text, ready, fail);
        else if (proto === 'socketio') this.onSocketIo(text, ready, fail);
      });
    });
  }

  private connectFrame(recover: boolean): string {
    const token = this.options.token ? `"token":"${this.options.token}"` : '';
    let frame = `{"id":1,"connect":{${token}}}`;
    const channel = this.options.channel;
    if (channel) {
      const pos = recover ? `,"recover":true,"epoch":"${this.epoch}","offset":${this.offset}` : '';
      frame += `\n{"id":2,"subscribe":{"channel":${JSON.stringify(channel)}${pos}}}`;
    }
    return frame;
  }

  private onSwitchboard(text: string, ready: () => void, fail: (why: string) => void): void {
    if (text === '{}') {
      this.ws.send('{}');
      return;
    }
    if (this.isReady && !this.options.track) {
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
          publications?: { offset?: number }[];
        };
        push?: { pub?: { offset?: number } };
      };
      if (msg.error) fail(`error ${msg.error.code} ${msg.error.message}`);
      if (msg.subscribe) {
        this.epoch = msg.subscribe.epoch ?? this.epoch;
        if (msg.subscribe.offset !== undefined) this.offset = msg.subscribe.offset;
        if (msg.subscribe.recovered) this.recovered = true;
        // A recovered reply carries the client's own offset; its publications move it on, as in the SDKs.
        const last = msg.subscribe.publications?.at(-1);
        if (last?.offset !== undefined) this.offset = last.offset;
        if (msg.subscribe.publications?.length) this.sink.scan(line);
      }
      if (msg.push?.pub) {
        if (msg.push.pub.offset !== undefined) this.offset = msg.push.pub.offset;
        this.sink.scan(line);
      }
      if (msg.id === lastId && !msg.error) ready();
    }
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
