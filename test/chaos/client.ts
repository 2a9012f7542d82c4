/**
 * A compact chaos client speaking the JSON protocol over a raw WebSocket: it connects with a JWT
 * (personal channel `#<user>` subscribed server-side), subscribes to some shared channels, follows
 * every stream position, and after any disconnect reconnects with backoff, recovering from the last
 * publication it got (`connect.subs` for the personal channel, `subscribe` with `recover` for the
 * others). It checks each delivery on arrival: offsets must follow one another and the payload's
 * `seq` must equal the offset (the publisher numbers each channel's publications from 1 on a fresh
 * stream).
 */
import WebSocket from 'ws';

/** One channel as one client sees it. */
export class ChannelView {
  /** `subscribing` after the request went out; `subscribed` once its reply was applied. */
  state: 'idle' | 'subscribing' | 'subscribed' = 'idle';
  /** Set by the first successful subscribe; the client must get everything after `firstOffset`. */
  started = false;
  firstOffset = 0;
  epoch = '';
  /** Offset of the last publication delivered (or the position given by a subscribe reply). */
  last = 0;
  delivered = 0;
  duplicated = 0;
  outOfOrder = 0;
  /** Deliveries whose payload `seq` is not their offset. */
  seqMismatch = 0;
  /** Publications arriving while the channel was not subscribed. */
  unexpected = 0;
  /** Offsets skipped over without a `recovered: false`; an offset found later moves to out of order. */
  readonly skipped = new Set<number>();
  /** Every `recovered: false`, with the publications it declared missing and why. */
  readonly unrecovered: { missed: number; reason: string; explained: boolean }[] = [];
  /** Subscribe errors by code. */
  readonly errors = new Map<number, number>();

  constructor(readonly channel: string) {}
}

export interface ClientLimits {
  /** `client.recovery_max_publication_limit` of the nodes. */
  recoveryLimit: number;
  /** `history_size` of the channels. */
  historySize: number;
}

interface Pub {
  offset?: number;
  data?: { seq?: number };
}

interface SubscribeResult {
  epoch?: string;
  offset?: number;
  recovered?: boolean;
  publications?: Pub[];
}

interface Frame {
  id?: number;
  error?: { code: number; message: string; temporary?: boolean };
  connect?: { subs?: Record<string, SubscribeResult> };
  subscribe?: SubscribeResult;
  push?: {
    channel?: string;
    pub?: Pub;
    unsubscribe?: { code: number };
  };
}

const MAX_BACKOFF_MS = 3000;

export class ChaosClient {
  readonly personal: ChannelView;
  readonly views = new Map<string, ChannelView>();
  connects = 0;
  reconnects = 0;
  /** Connect errors, by code, `/temporary` appended when so marked (the client drops the socket and reconnects). */
  readonly connectErrors = new Map<string, number>();
  /** Close codes seen, by code. */
  readonly closeCodes = new Map<number, number>();
  /** Until when (ms) this client is paused as a slow consumer; kept after the pause ends for attribution. */
  pausedUntil = 0;
  private ws: WebSocket | undefined;
  private connected = false;
  private attempt = 0;
  private nextId = 1;
  private readonly pending = new Map<number, (frame: Frame) => void>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    readonly user: string,
    private readonly token: string,
    shared: string[],
    private readonly pickUrl: () => string,
    private readonly limits: ClientLimits,
  ) {
    this.personal = new ChannelView(`#${user}`);
    this.views.set(this.personal.channel, this.personal);
    for (const channel of shared) this.views.set(channel, new ChannelView(channel));
  }

  /** True when connected and every channel is subscribed. */
  get settled(): boolean {
    if (!this.connected) return false;
    for (const view of this.views.values()) if (view.state !== 'subscribed') return false;
    return true;
  }

  start(): void {
    this.open();
  }

  /** Drops the socket without a close handshake; the client reconnects. */
  drop(): void {
    this.ws?.terminate();
  }

  /** Stops reading the socket for `ms` (a slow consumer). */
  pause(ms: number): void {
    const ws = this.ws;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN) return;
    ws.pause();
    this.pausedUntil = Date.now() + ms;
    setTimeout(() => ws.resume(), ms).unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.terminate();
  }

  private open(): void {
    this.connects++;
    const ws = new WebSocket(this.pickUrl(), { perMessageDeflate: false });
    this.ws = ws;
    ws.on('error', () => {});
    ws.on('open', () => this.sendConnect(ws));
    ws.on('message', (data: Buffer) => {
      if (ws === this.ws) this.onFrame(data.toString());
    });
    ws.on('close', (code) => {
      if (ws !== this.ws) return;
      this.closeCodes.set(code, (this.closeCodes.get(code) ?? 0) + 1);
      this.onClosed();
    });
  }

  private onClosed(): void {
    this.connected = false;
    this.pending.clear();
    for (const view of this.views.values()) view.state = 'idle';
    if (this.stopped) return;
    const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** this.attempt++) * (0.5 + Math.random() / 2);
    this.timer = setTimeout(() => {
      this.reconnects++;
      this.open();
    }, delay);
  }

  private call(method: string, params: Record<string, unknown>, onReply: (frame: Frame) => void): void {
    const id = this.nextId++;
    this.pending.set(id, onReply);
    this.ws?.send(JSON.stringify({ id, [method]: params }));
  }

  private sendConnect(ws: WebSocket): void {
    const params: Record<string, unknown> = { token: this.token, name: 'chaos' };
    const p = this.personal;
    if (p.started) params['subs'] = { [p.channel]: { recover: true, epoch: p.epoch, offset: p.last } };
    p.state = 'subscribing';
    this.call('connect', params, (frame) => {
      if (frame.error || !frame.connect) {
        const key = `${frame.error?.code ?? 0}${frame.error?.temporary === true ? '/temporary' : ''}`;
        this.connectErrors.set(key, (this.connectErrors.get(key) ?? 0) + 1);
        ws.terminate();
        return;
      }
      this.connected = true;
      this.attempt = 0;
      const result = frame.connect.subs?.[p.channel];
      if (result === undefined) {
        // Not subscribed server-side: nothing to follow until the next connection.
        p.errors.set(0, (p.errors.get(0) ?? 0) + 1);
        ws.terminate();
        return;
      }
      this.applySubscribe(p, result);
      for (const view of this.views.values()) if (view !== p) this.subscribe(view);
    });
  }

  private subscribe(view: ChannelView): void {
    const params: Record<string, unknown> = { channel: view.channel };
    if (view.started) Object.assign(params, { recover: true, epoch: view.epoch, offset: view.last });
    view.state = 'subscribing';
    const ws = this.ws;
    this.call('subscribe', params, (frame) => {
      if (frame.error || !frame.subscribe) {
        const code = frame.error?.code ?? 0;
        view.errors.set(code, (view.errors.get(code) ?? 0) + 1);
        view.state = 'idle';
        setTimeout(
          () => {
            if (ws === this.ws && this.connected && view.state === 'idle') this.subscribe(view);
          },
          300 + Math.random() * 700,
        ).unref();
        return;
      }
      this.applySubscribe(view, frame.subscribe);
    });
  }

  private applySubscribe(view: ChannelView, r: SubscribeResult): void {
    const epoch = r.epoch ?? '';
    const offset = r.offset ?? 0;
    view.state = 'subscribed';
    if (!view.started) {
      view.started = true;
      view.epoch = epoch;
      view.firstOffset = offset;
      view.last = offset;
      return;
    }
    if (r.recovered === true) {
      for (const pub of r.publications ?? []) this.deliver(view, pub);
      if (view.last < offset) this.skip(view, offset);
      return;
    }
    const missed = epoch === view.epoch ? offset - view.last : offset;
    view.unrecovered.push({ missed, ...this.explain(view, epoch, missed) });
    view.epoch = epoch;
    view.last = offset;
  }

  /** Why a recovery may legitimately fail: more missed than the node returns or the stream keeps. */
  private explain(view: ChannelView, epoch: string, missed: number): { reason: string; explained: boolean } {
    const slow = this.pausedUntil > 0 ? ' (slow consumer)' : '';
    if (epoch !== view.epoch) return { reason: 'epoch changed', explained: false };
    if (missed > this.limits.historySize)
      return { reason: `missed more than history_size${slow}`, explained: true };
    if (missed > this.limits.recoveryLimit) {
      return { reason: `missed more than recovery_max_publication_limit${slow}`, explained: true };
    }
    return { reason: `not recovered with ${missed} missed`, explained: false };
  }

  private skip(view: ChannelView, to: number): void {
    for (let o = view.last + 1; o < to; o++) view.skipped.add(o);
    view.last = to;
  }

  private deliver(view: ChannelView, pub: Pub): void {
    const offset = pub.offset ?? 0;
    if (pub.data?.seq !== offset) view.seqMismatch++;
    if (offset === view.last + 1) {
      view.last = offset;
      view.delivered++;
    } else if (offset > view.last) {
      this.skip(view, offset);
      view.delivered++;
    } else if (view.skipped.delete(offset)) {
      view.outOfOrder++;
      view.delivered++;
    } else {
      view.duplicated++;
    }
  }

  private onFrame(text: string): void {
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if (line === '{}') {
        this.ws?.send('{}');
        continue;
      }
      const frame = JSON.parse(line) as Frame;
      if (frame.id !== undefined) {
        const handler = this.pending.get(frame.id);
        this.pending.delete(frame.id);
        handler?.(frame);
        continue;
      }
      const push = frame.push;
      const view = push?.channel === undefined ? undefined : this.views.get(push.channel);
      if (push === undefined || view === undefined) continue;
      if (push.pub) {
        if (view.state === 'subscribed') this.deliver(view, push.pub);
        else view.unexpected++;
      } else if (push.unsubscribe) {
        view.state = 'idle';
        if (push.unsubscribe.code >= 2500) this.subscribe(view);
        else view.errors.set(push.unsubscribe.code, (view.errors.get(push.unsubscribe.code) ?? 0) + 1);
      }
    }
  }
}
