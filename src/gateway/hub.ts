/**
 * The node's channel table: which local subscriptions each channel has, and the fan-out of broker
 * events to them. A publication is encoded once per node and the same bytes are queued to every
 * subscriber; nothing is allocated per recipient.
 */
import type { ChannelOptions } from '../config/types.js';
import type { Broker, BrokerEvent } from '../engine/types.js';
import { encodeJoinPush, encodeLeavePush, encodePublicationPush } from '../protocol/encode.js';
import type { ClientInfo, Publication } from '../protocol/types.js';
import type { ClientSubscription } from './client-subscription.js';
import { Conflator } from './conflator.js';
import { Interest } from './interest.js';

export class Hub {
  private readonly channels = new Map<string, Set<ClientSubscription>>();
  /** Options of local channels with `conflation_interval` > 0; their publications go through the conflator. */
  private readonly conflated = new Map<string, ChannelOptions>();
  /** Throttles conflated channels with one timer for the node, then hands back to the fan-out. */
  readonly conflator = new Conflator((channel, pub, epoch) => this.fanOut(channel, pub, epoch));
  readonly interest: Interest;
  /** Handles control messages; set by the node. */
  onControl: (data: string) => void = () => {};
  /** Runs after the broker recovered from an interruption; set by the node. */
  onResubscribed: () => void = () => {};

  constructor(broker: Broker) {
    this.interest = new Interest(broker, (channel) => this.channels.has(channel));
  }

  /** Adds a subscription; resolves once the broker delivers its channel to this node. */
  add(sub: ClientSubscription): Promise<void> {
    let subs = this.channels.get(sub.channel);
    if (subs === undefined) {
      subs = new Set();
      this.channels.set(sub.channel, subs);
      if (sub.options.conflation_interval > 0) this.conflated.set(sub.channel, sub.options);
    }
    subs.add(sub);
    return this.interest.ensure(sub.channel);
  }

  remove(sub: ClientSubscription): void {
    const subs = this.channels.get(sub.channel);
    if (subs === undefined || !subs.delete(sub)) return;
    if (subs.size === 0) {
      this.channels.delete(sub.channel);
      this.conflated.delete(sub.channel);
      this.interest.touch(sub.channel);
    }
  }

  /** Local subscriptions of a channel. */
  subscribers(channel: string): ReadonlySet<ClientSubscription> | undefined {
    return this.channels.get(channel);
  }

  /** Channels with local subscribers, and how many each has. */
  channelCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [channel, subs] of this.channels) out.set(channel, subs.size);
    return out;
  }

  get numChannels(): number {
    return this.channels.size;
  }

  get numSubscriptions(): number {
    let n = 0;
    for (const subs of this.channels.values()) n += subs.size;
    return n;
  }

  /** Entry point for everything the broker delivers. */
  readonly handleEvent = (event: BrokerEvent): void => {
    switch (event.type) {
      case 'publication':
        this.publish(event.channel, event.pub, event.epoch);
        return;
      case 'join':
        this.joinLeave(event.channel, event.info, true);
        return;
      case 'leave':
        this.joinLeave(event.channel, event.info, false);
        return;
      case 'control':
        this.onControl(event.data);
        return;
      case 'resubscribed':
        this.onResubscribed();
        return;
      default: {
        const never: never = event;
        throw new Error(`unhandled ${String(never)}`);
      }
    }
  };

  private publish(channel: string, pub: Publication, epoch: string | undefined): void {
    // Kept in step with `channels`, so a conflated channel always has local subscribers.
    const conflation = this.conflated.size === 0 ? undefined : this.conflated.get(channel);
    if (conflation === undefined) this.fanOut(channel, pub, epoch);
    else this.conflator.offer(channel, pub, epoch, conflation);
  }

  /** Encodes a publication once and queues it to every local subscriber of its channel. */
  private fanOut(channel: string, pub: Publication, epoch: string | undefined): void {
    const subs = this.channels.get(channel);
    if (subs === undefined) return;
    let frame: Buffer | undefined;
    const offset = pub.offset;
    for (const sub of subs) {
      if (sub.buffer !== null) {
        sub.buffer.push({ pub, epoch });
        continue;
      }
      if (offset !== undefined && sub.tracksPosition) {
        const step = sub.advance(offset, epoch);
        if (step === 'gap') sub.conn.onInsufficientState(sub);
        if (step !== 'deliver') continue;
      }
      frame ??= Buffer.from(encodePublicationPush(channel, pub));
      sub.conn.enqueue(frame);
    }
  }

  private joinLeave(channel: string, info: ClientInfo, join: boolean): void {
    const subs = this.channels.get(channel);
    if (subs === undefined) return;
    let frame: Buffer | undefined;
    for (const sub of subs) {
      if (!sub.pushJoinLeave || sub.buffer !== null) continue;
      frame ??= Buffer.from(join ? encodeJoinPush(channel, info) : encodeLeavePush(channel, info));
      sub.conn.enqueue(frame);
    }
  }
}
