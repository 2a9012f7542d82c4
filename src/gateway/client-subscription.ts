import type { ChannelOptions } from '../config/types.js';
import type { ClientInfo, Publication } from '../protocol/types.js';

/** A publication that arrived while its subscription was still being set up. */
export interface BufferedPublication {
  pub: Publication;
  epoch: string | undefined;
}

/** What a connection's subscription needs from its connection, seen from the hub. */
export interface Subscriber {
  readonly id: string;
  readonly user: string;
  /** Queues a frame for this connection; it is written with the turn's other frames. */
  enqueue(frame: Buffer): void;
  /** The subscription lost its position in the stream: make the client resubscribe and recover. */
  onInsufficientState(sub: ClientSubscription): void;
}

/** One connection's subscription to one channel. */
export class ClientSubscription {
  /** Publications held back until the subscribe reply is queued; null once live. */
  buffer: BufferedPublication[] | null = [];
  /** Last delivered stream offset, when the subscription tracks its position. */
  offset = 0;
  epoch = '';
  /** Subscription token expiry, Unix ms (0: none). */
  expiresAt = 0;

  constructor(
    readonly conn: Subscriber,
    readonly channel: string,
    readonly options: ChannelOptions,
    /** The client gets stream positions and can recover (history is on and recovery is granted). */
    readonly recoverable: boolean,
    /** Gaps in the stream are detected and repaired. */
    readonly positioned: boolean,
    /** Join and leave pushes are sent to this subscriber. */
    readonly pushJoinLeave: boolean,
    /** Made by the server (connect token, personal channel, server API), not by the client. */
    readonly serverSide: boolean,
    readonly info: ClientInfo,
  ) {}

  /** Whether every delivered publication's offset is checked against the last one. */
  get tracksPosition(): boolean {
    return this.recoverable || this.positioned;
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
