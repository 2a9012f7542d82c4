import type { ChannelOptions } from '../config/types.js';
import type { Encoding } from '../protocol/encoding.js';
import type { ClientInfo, Publication } from '../protocol/types.js';
import type { Tags, TagsMatcher } from './tags-filter.js';

/** A publication that arrived while its subscription was still being set up. */
export interface BufferedPublication {
  pub: Publication;
  epoch: string | undefined;
}

/** What a subscription needs from the session that holds it, seen from the hub. */
export interface SubscriptionOwner {
  readonly id: string;
  readonly user: string;
  /** The connection's encoding: frames queued to it are in it. */
  readonly encoding: Encoding;
  /** Queues a frame for this connection; it is written with the turn's other frames. */
  enqueue(frame: Buffer): void;
  /** The subscription lost its position in the stream: make the client resubscribe and recover. */
  onInsufficientState(sub: ClientSubscription): void;
}

/** Bits of `ClientSubscription.flags`: seven booleans in one field. */
enum Flag {
  Recoverable = 1,
  Positioned = 2,
  PushJoinLeave = 4,
  ServerSide = 8,
  Filtered = 16,
  Delta = 32,
  /** The client holds the data of the last publication it got (a delta base): changes over time. */
  DeltaBase = 64,
}

/**
 * Tags filters of the subscriptions that have one. Kept apart so a subscription without a filter
 * (nearly all of them) carries no field for it; the hub looks here only when `filtered` is set.
 */
const filters = new WeakMap<ClientSubscription, TagsMatcher>();

/** What a subscription is, fixed when it is made. */
export interface SubscriptionTraits {
  /** The client gets stream positions and can recover (history is on and recovery is granted). */
  recoverable: boolean;
  /** Gaps in the stream are detected and repaired. */
  positioned: boolean;
  /** Join and leave pushes are sent to this subscriber. */
  pushJoinLeave: boolean;
  /** Made by the server (connect token, personal channel, server API), not by the client. */
  serverSide: boolean;
  /** The subscribe request's tags filter (`tf`), compiled: only matching publications are delivered. */
  filter?: TagsMatcher;
  /** Fossil delta compression negotiated (needs a tracked position and no tags filter). */
  delta?: boolean;
}

/** One connection's subscription to one channel. */
export class ClientSubscription implements SubscriptionTraits {
  /** Publications held back until the subscribe reply is queued; null once live. */
  buffer: BufferedPublication[] | null = [];
  /** Last delivered stream offset, when the subscription tracks its position. */
  offset = 0;
  epoch = '';
  /** Subscription token expiry, Unix ms (0: none). */
  expiresAt = 0;
  /** The node refreshes the subscription through the sub_refresh proxy when it expires. */
  serverRefresh = false;
  /** The traits, one bit each (a node holds a subscription per connection and channel). */
  private flags: number;

  constructor(
    readonly conn: SubscriptionOwner,
    readonly channel: string,
    readonly options: ChannelOptions,
    traits: SubscriptionTraits,
    /** Who the subscriber is in this channel; replaced when a refresh brings new connection or channel info. */
    public info: ClientInfo,
  ) {
    this.flags =
      (traits.recoverable ? Flag.Recoverable : 0) |
      (traits.positioned ? Flag.Positioned : 0) |
      (traits.pushJoinLeave ? Flag.PushJoinLeave : 0) |
      (traits.serverSide ? Flag.ServerSide : 0) |
      (traits.filter !== undefined ? Flag.Filtered : 0) |
      (traits.delta === true ? Flag.Delta : 0);
    if (traits.filter !== undefined) filters.set(this, traits.filter);
  }

  get recoverable(): boolean {
    return (this.flags & Flag.Recoverable) !== 0;
  }

  get positioned(): boolean {
    return (this.flags & Flag.Positioned) !== 0;
  }

  get pushJoinLeave(): boolean {
    return (this.flags & Flag.PushJoinLeave) !== 0;
  }

  get serverSide(): boolean {
    return (this.flags & Flag.ServerSide) !== 0;
  }

  /** Whether the subscription negotiated delta compression. */
  get delta(): boolean {
    return (this.flags & Flag.Delta) !== 0;
  }

  /**
   * Whether the client holds the data of the publication before the next one it gets (its last
   * one), so the next one may come as a delta. Set once a publication (or a recovered chain) went
   * out to a delta subscription; a subscription never loses it: a gap ends the subscription.
   */
  get hasDeltaBase(): boolean {
    return (this.flags & Flag.DeltaBase) !== 0;
  }

  set hasDeltaBase(value: boolean) {
    this.flags = value ? this.flags | Flag.DeltaBase : this.flags & ~Flag.DeltaBase;
  }

  /** Whether the subscription has a tags filter. */
  get filtered(): boolean {
    return (this.flags & Flag.Filtered) !== 0;
  }

  /**
   * Whether a publication with these tags passes the tags filter (true without one). Its stream
   * position counts either way: a filtered-out publication is skipped, not a gap.
   */
  matches(tags: Tags): boolean {
    const filter = (this.flags & Flag.Filtered) === 0 ? undefined : filters.get(this);
    return filter === undefined || filter(tags);
  }

  /** Whether every delivered publication's offset is checked against the last one. */
  get tracksPosition(): boolean {
    return (this.flags & (Flag.Recoverable | Flag.Positioned)) !== 0;
  }

  /**
   * Checks a stream publication against this subscription's position and moves the position on
   * when it is the next one. `skip`: delivered already (recovered); `gap`: something was lost or
   * the stream changed, the client must resubscribe.
   */
  advance(offset: number, epoch: string | undefined): 'deliver' | 'skip' | 'gap' {
    if (epoch === this.epoch && offset <= this.offset) return 'skip';
    if (epoch !== this.epoch || offset !== this.offset + 1) return 'gap';
    this.offset = offset;
    return 'deliver';
  }
}
