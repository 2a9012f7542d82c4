/**
 * Delta compression on the fan-out. For each local channel with delta subscribers the node keeps
 * the data of the last publication of its stream; a next publication of the same stream (offset
 * one more, same epoch) that its publisher lets go out as a delta (`delta` on the publish, or the
 * namespace's `delta_publish`) gets one Fossil delta against it, computed once per node and only
 * when a subscriber can use it. A subscriber can when it holds that previous publication (see
 * `ClientSubscription.hasDeltaBase`); every other one gets the data in full, which becomes its base.
 */
import type { ChannelOptions } from '../config/types.js';
import { usefulPatch } from '../protocol/delta/chain.js';
import { FramePerEncoding } from '../protocol/encoding.js';
import { publicationBytes } from '../protocol/publication-bytes.js';
import type { Publication } from '../protocol/types.js';
import type { ClientSubscription } from './client-subscription.js';

/** A stream's last publication as this node saw it. */
interface Base {
  offset: number;
  epoch: string | undefined;
  data: Buffer;
}

/** The last publication per channel with delta subscribers, and how many each has. */
export class DeltaBases {
  private readonly counts = new Map<string, number>();
  private readonly last = new Map<string, Base>();

  /** A delta subscription joined (`+1`) or left (`-1`) the channel. */
  count(channel: string, delta: 1 | -1): void {
    const n = (this.counts.get(channel) ?? 0) + delta;
    if (n > 0) {
      this.counts.set(channel, n);
    } else {
      this.counts.delete(channel);
      this.last.delete(channel);
    }
  }

  /** Whether the channel has delta subscribers here. */
  has(channel: string): boolean {
    return this.counts.size !== 0 && this.counts.has(channel);
  }

  /**
   * A delta subscription recovered `pub` as the last of its chain: the node takes it as the
   * channel's base unless it holds a later publication of the same stream already (one that
   * arrived while the subscription was set up). The node may have had no subscriber meanwhile.
   */
  seed(channel: string, pub: Publication, epoch: string | undefined): void {
    const offset = pub.offset;
    if (offset === undefined || !this.has(channel)) return;
    const current = this.last.get(channel);
    if (current !== undefined && current.epoch === epoch && current.offset >= offset) return;
    this.last.set(channel, { offset, epoch, data: publicationBytes(pub) });
  }

  /**
   * A publication of a channel with delta subscribers arrived: remembers its data as the base of
   * the next one and returns the frames its delta subscribers get.
   */
  next(channel: string, pub: Publication, epoch: string | undefined, options: ChannelOptions): DeltaFrames {
    const data = publicationBytes(pub);
    const previous = this.last.get(channel);
    const offset = pub.offset;
    const follows =
      previous !== undefined &&
      offset !== undefined &&
      previous.offset === offset - 1 &&
      previous.epoch === epoch;
    if (offset === undefined) this.last.delete(channel);
    else this.last.set(channel, { offset, epoch, data });
    const base = follows && (pub.delta === true || options.delta_publish) ? previous.data : undefined;
    return new DeltaFrames(channel, pub, epoch, data, base);
  }
}

/** One publication's frames for delta subscribers, each encoded at most once per encoding. */
export class DeltaFrames {
  private patch: Uint8Array | undefined | null = null;
  private readonly full: FramePerEncoding;
  private deltas: FramePerEncoding | undefined;

  constructor(
    private readonly channel: string,
    private readonly pub: Publication,
    private readonly epoch: string | undefined,
    private readonly data: Buffer,
    /** The previous publication's data, when a delta against it is allowed. */
    private readonly base: Buffer | undefined,
  ) {
    this.full = new FramePerEncoding((encoding) =>
      encoding.deltaPublicationPush(channel, pub, epoch, undefined),
    );
  }

  /** The frame for a delta subscription; it then holds this publication as its base. */
  frameFor(sub: ClientSubscription): Buffer {
    const encoding = sub.conn.encoding;
    const usesDelta = sub.hasDeltaBase && this.base !== undefined && this.delta() !== undefined;
    sub.hasDeltaBase = true;
    if (!usesDelta) return this.full.get(encoding);
    this.deltas ??= new FramePerEncoding((enc) =>
      enc.deltaPublicationPush(this.channel, this.pub, this.epoch, this.patch ?? undefined),
    );
    return this.deltas.get(encoding);
  }

  /** The Fossil delta, computed on first use; undefined when it would not be smaller. */
  private delta(): Uint8Array | undefined {
    if (this.patch === null) this.patch = usefulPatch(this.base!, this.data);
    return this.patch;
  }
}
