/**
 * The node's channel table: which local subscriptions each channel has, and the fan-out of broker
 * events to them. A publication is encoded once per encoding in use among its subscribers and the
 * same bytes are queued to every subscriber of that encoding; nothing is allocated per recipient.
 */

import type { ChannelOptions } from '../config/types.js';
import type { Broker } from '../engine/types.js';
import { FramePerEncoding } from '../protocol/encoding.js';
import type { ClientInfo, Publication } from '../protocol/types.js';
import type { ChannelEvent } from './broker-events.js';
import type { ClientSubscription } from './client-subscription.js';
import { Conflator } from './conflator.js';
import { DeltaBases } from './delta-bases.js';
import { Interest } from './interest.js';
import type { NodeCounters } from './node-counters.js';

/**
 * A channel's local subscriptions: the subscription itself while it is the only one (a personal
 * channel, most channels of a busy node), saving a Set each.
 */
type Local = ClientSubscription | Set<ClientSubscription>;

export class Hub {
  private readonly channels = new Map<string, Local>();
  /** Options of local channels with `conflation_interval` > 0; their publications go through the conflator. */
  private readonly conflated = new Map<string, ChannelOptions>();
  /**
   * Local channels with tags-filtered subscriptions, and how many each has. Only their fan-out looks
   * at filters, so the subscribers of every other channel pay nothing for the feature.
   */
  private readonly filtering = new Map<string, number>();
  /** Throttles conflated channels with one timer for the node, then hands back to the fan-out. */
  readonly conflator = new Conflator((channel, pub, epoch) => this.fanOut(channel, pub, epoch));
  readonly interest: Interest;
  /** The last publication of local channels with delta subscribers. */
  private readonly deltas = new DeltaBases();

  constructor(
    broker: Broker,
    private readonly counters: NodeCounters,
  ) {
    this.interest = new Interest(broker, (channel) => this.channels.has(channel));
  }

  /** Adds a subscription; resolves once the broker delivers its channel to this node. */
  add(sub: ClientSubscription): Promise<void> {
    const channel = sub.channel;
    const local = this.channels.get(channel);
    let added = true;
    if (local === undefined) {
      this.channels.set(channel, sub);
      if (sub.options.conflation_interval > 0) this.conflated.set(channel, sub.options);
    } else if (local instanceof Set) {
      added = !local.has(sub);
      local.add(sub);
    } else if (local !== sub) {
      this.channels.set(channel, new Set([local, sub]));
    } else {
      added = false;
    }
    if (added && sub.filtered) this.countFiltered(channel, 1);
    if (added && sub.delta) this.deltas.count(channel, 1);
    return this.interest.ensure(channel);
  }

  remove(sub: ClientSubscription): void {
    const channel = sub.channel;
    const local = this.channels.get(channel);
    if (local === sub) {
      this.channels.delete(channel);
      this.conflated.delete(channel);
      this.interest.touch(channel);
    } else if (local instanceof Set && local.delete(sub)) {
      if (local.size === 1) this.channels.set(channel, local.values().next().value!);
    } else {
      return;
    }
    if (sub.filtered) this.countFiltered(channel, -1);
    if (sub.delta) this.deltas.count(channel, -1);
  }

  /** A delta subscription recovered `pub` last: the base of the channel's next delta (see `DeltaBases.seed`). */
  seedDeltaBase(channel: string, pub: Publication, epoch: string | undefined): void {
    this.deltas.seed(channel, pub, epoch);
  }

  private countFiltered(channel: string, delta: number): void {
    const n = (this.filtering.get(channel) ?? 0) + delta;
    if (n > 0) this.filtering.set(channel, n);
    else this.filtering.delete(channel);
  }

  /** Whether the subscription is in the table. */
  has(sub: ClientSubscription): boolean {
    const local = this.channels.get(sub.channel);
    return local === sub || (local instanceof Set && local.has(sub));
  }

  /** Local subscriptions of a channel, as a copy. */
  subscribers(channel: string): ClientSubscription[] {
    const local = this.channels.get(channel);
    return local === undefined ? [] : local instanceof Set ? [...local] : [local];
  }

  /** Channels with local subscribers, and how many each has. */
  channelCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [channel, local] of this.channels) out.set(channel, count(local));
    return out;
  }

  get numChannels(): number {
    return this.channels.size;
  }

  get numSubscriptions(): number {
    let n = 0;
    for (const local of this.channels.values()) n += count(local);
    return n;
  }

  /** Entry point for the broker's channel events (the node routes control traffic elsewhere). */
  readonly handleEvent = (event: ChannelEvent): void => {
    switch (event.type) {
      case 'publication':
        this.receive(event.channel, event.pub, event.epoch);
        return;
      case 'join':
        this.joinLeave(event.channel, event.info, true);
        return;
      case 'leave':
        this.joinLeave(event.channel, event.info, false);
        return;
      default: {
        const never: never = event;
        throw new Error(`unhandled ${String(never)}`);
      }
    }
  };

  /** A publication the broker delivered: counted, then fanned out now or through the conflator. */
  private receive(channel: string, pub: Publication, epoch: string | undefined): void {
    this.counters.publications++;
    // Kept in step with `channels`, so a conflated channel always has local subscribers.
    const conflation = this.conflated.size === 0 ? undefined : this.conflated.get(channel);
    if (conflation === undefined) this.fanOut(channel, pub, epoch);
    else this.conflator.offer(channel, pub, epoch, conflation);
  }

  /** Encodes a publication once per encoding in use and queues it to every local subscriber of its channel. */
  private fanOut(channel: string, pub: Publication, epoch: string | undefined): void {
    const local = this.channels.get(channel);
    if (local === undefined) return;
    const filtering = this.filtering.size !== 0 && this.filtering.has(channel);
    if (!(local instanceof Set)) {
      const delta = this.deltas.has(channel)
        ? this.deltas.next(channel, pub, epoch, local.options)
        : undefined;
      if (!admits(local, pub, epoch, filtering)) return;
      this.counters.deliveries++;
      local.conn.enqueue(
        delta === undefined
          ? local.conn.encoding.publicationPush(channel, pub, epoch)
          : delta.frameFor(local),
      );
      return;
    }
    const frames = new FramePerEncoding((encoding) => encoding.publicationPush(channel, pub, epoch));
    // Every subscription of a channel has its namespace's options.
    const delta = this.deltas.has(channel)
      ? this.deltas.next(channel, pub, epoch, local.values().next().value!.options)
      : undefined;
    for (const sub of local) {
      if (!admits(sub, pub, epoch, filtering)) continue;
      this.counters.deliveries++;
      sub.conn.enqueue(
        delta !== undefined && sub.delta ? delta.frameFor(sub) : frames.get(sub.conn.encoding),
      );
    }
  }

  private joinLeave(channel: string, info: ClientInfo, join: boolean): void {
    const local = this.channels.get(channel);
    if (local === undefined) return;
    const frames = new FramePerEncoding((encoding) =>
      join ? encoding.joinPush(channel, info) : encoding.leavePush(channel, info),
    );
    for (const sub of local instanceof Set ? local : [local]) {
      if (!sub.pushJoinLeave || sub.buffer !== null) continue;
      sub.conn.enqueue(frames.get(sub.conn.encoding));
    }
  }
}

function count(local: Local): number {
  return local instanceof Set ? local.size : 1;
}

/**
 * Whether a publication is to be queued to a subscription now. A subscription being set up buffers
 * it instead; one that tracks its position moves it (a gap makes the client recover); a tags filter
 * decides last, so a publication it drops is skipped, not a gap. `filtering`: the channel has
 * tags-filtered subscribers, so each subscriber's filter is asked. The frame is shared by every
 * subscriber of an encoding whatever their filters.
 */
function admits(
  sub: ClientSubscription,
  pub: Publication,
  epoch: string | undefined,
  filtering: boolean,
): boolean {
  if (sub.buffer !== null) {
    sub.buffer.push({ pub, epoch });
    return false;
  }
  const offset = pub.offset;
  if (offset !== undefined && sub.tracksPosition) {
    const step = sub.advance(offset, epoch);
    if (step === 'gap') sub.conn.onInsufficientState(sub);
    if (step !== 'deliver') return false;
  }
  return !filtering || sub.matches(pub.tags);
}
