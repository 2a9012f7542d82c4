/**
 * Conflation of message storms at delivery: per channel and conflation key, the first publication
 * of a quiet period goes out at once (leading edge), later ones within `conflation_interval` replace
 * one pending slot, and when the interval ends the pending latest one goes out (trailing edge). A key
 * that stays idle for a whole interval is forgotten, so memory follows the keys that are active.
 *
 * One timer serves every conflated channel of a node. Slots wait in one FIFO per interval length:
 * a slot's interval always starts "now", so each FIFO is ordered by deadline and only its head needs
 * looking at; the timer is armed for the earliest head and stops when nothing waits.
 */
import type { ChannelOptions } from '../config/types.js';
import type { Publication } from '../protocol/types.js';

/** Receives every publication the conflator lets through, offset already removed. */
export type ConflatedDelivery = (channel: string, pub: Publication, epoch: string | undefined) => void;

export interface ConflatorOptions {
  /** Monotonic milliseconds; injectable for tests. Default `performance.now()`. */
  now?: () => number;
}

/** How a channel's publications are told apart, parsed once per options object. */
type KeySource = { type: 'channel' } | { type: 'tag'; name: string } | { type: 'field'; name: string };

const TAG_PREFIX = 'tag:';

/** One (channel, key) pair seen within the last interval. */
interface Slot {
  readonly channel: string;
  readonly key: string;
  readonly intervalMs: number;
  /** When the current interval ends. */
  deadline: number;
  /** The latest publication not yet delivered, if any. */
  pending: Publication | undefined;
  pendingEpoch: string | undefined;
  /** Order in which slots became pending, for trailing deliveries due at the same time. */
  pendingSeq: number;
  /** Epoch and offset of the newest publication delivered or pending, to refuse older ones. */
  epoch: string | undefined;
  offset: number | undefined;
}

/** A FIFO of slots sharing one interval length, hence ordered by deadline. */
class SlotQueue {
  private items: Slot[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(slot: Slot): void {
    this.items.push(slot);
  }

  peek(): Slot | undefined {
    return this.items[this.head];
  }

  shift(): Slot | undefined {
    const slot = this.items[this.head];
    if (slot === undefined) return undefined;
    this.head++;
    // Compacts once the consumed prefix dominates, so pushes and shifts stay amortised O(1).
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return slot;
  }
}

/** Per-node conflation state for every channel with `conflation_interval` > 0. */
export class Conflator {
  private readonly channels = new Map<string, Map<string, Slot>>();
  private readonly queues = new Map<number, SlotQueue>();
  private readonly keySources = new WeakMap<ChannelOptions, KeySource>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private slots = 0;
  private pendingSlots = 0;
  private seq = 0;

  constructor(
    private readonly deliver: ConflatedDelivery,
    options: ConflatorOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Keys remembered across all channels (delivered within the last interval, or pending). */
  get size(): number {
    return this.slots;
  }

  /** Keys holding a publication that waits for the end of its interval. */
  get pendingCount(): number {
    return this.pendingSlots;
  }

  /** Whether the shared timer is armed. */
  get active(): boolean {
    return this.timer !== undefined;
  }

  /** Takes a publication of a conflated channel; delivers it now, holds it, or drops it as stale. */
  offer(channel: string, pub: Publication, epoch: string | undefined, options: ChannelOptions): void {
    const key = this.keyOf(pub, options);
    let keys = this.channels.get(channel);
    if (keys === undefined) {
      keys = new Map();
      this.channels.set(channel, keys);
    }
    const slot = keys.get(key);
    if (slot === undefined) {
      // Quiet key: leading edge.
      const intervalMs = options.conflation_interval;
      const fresh: Slot = {
        channel,
        key,
        intervalMs,
        deadline: this.now() + intervalMs,
        pending: undefined,
        pendingEpoch: undefined,
        pendingSeq: 0,
        epoch,
        offset: pub.offset,
      };
      keys.set(key, fresh);
      this.slots++;
      this.enqueue(fresh);
      this.deliver(channel, stripOffset(pub), epoch);
      return;
    }
    if (isOlder(pub, epoch, slot)) return;
    slot.epoch = epoch;
    slot.offset = pub.offset;
    if (slot.pending === undefined) {
      slot.pendingSeq = this.seq++;
      this.pendingSlots++;
    }
    slot.pending = pub;
    slot.pendingEpoch = epoch;
  }

  /** Stops the timer and forgets everything pending (node shutdown). */
  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.channels.clear();
    this.queues.clear();
    this.slots = 0;
    this.pendingSlots = 0;
  }

  private keyOf(pub: Publication, options: ChannelOptions): string {
    let source = this.keySources.get(options);
    if (source === undefined) {
      source = parseKeySource(options.conflation_key);
      this.keySources.set(options, source);
    }
    switch (source.type) {
      case 'channel':
        return '';
      case 'tag':
        return pub.tags?.[source.name] ?? '';
      case 'field':
        return fieldKey(pub.data, source.name);
      default: {
        const never: never = source;
        throw new Error(`unhandled key source ${String(never)}`);
      }
    }
  }

  private enqueue(slot: Slot): void {
    let queue = this.queues.get(slot.intervalMs);
    if (queue === undefined) {
      queue = new SlotQueue();
      this.queues.set(slot.intervalMs, queue);
    }
    queue.push(slot);
    if (slot.deadline < this.timerAt) this.arm(slot.deadline);
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.tick, Math.max(0, Math.ceil(at - this.now())));
    this.timer.unref();
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    // Timers may fire a little early; a deadline within a millisecond counts as reached.
    const now = this.now();
    const due: Slot[] = [];
    for (const [intervalMs, queue] of this.queues) {
      for (let head = queue.peek(); head !== undefined && head.deadline <= now + 1; head = queue.peek()) {
        queue.shift();
        if (head.pending === undefined) this.forget(head);
        else due.push(head);
      }
      if (queue.size === 0) this.queues.delete(intervalMs);
    }
    due.sort((a, b) => a.pendingSeq - b.pendingSeq);
    for (const slot of due) {
      const pub = slot.pending!;
      const epoch = slot.pendingEpoch;
      slot.pending = undefined;
      slot.pendingEpoch = undefined;
      this.pendingSlots--;
      // Trailing edge: a new interval starts, so a burst that continues stays throttled.
      slot.deadline = now + slot.intervalMs;
      this.enqueue(slot);
      try {
        this.deliver(slot.channel, stripOffset(pub), epoch);
      } catch {
        // One channel's failure must not stop the other deliveries.
      }
    }
    let next = Number.POSITIVE_INFINITY;
    for (const queue of this.queues.values()) next = Math.min(next, queue.peek()?.deadline ?? next);
    if (next < this.timerAt) this.arm(next);
  };

  private forget(slot: Slot): void {
    const keys = this.channels.get(slot.channel);
    if (keys === undefined || keys.get(slot.key) !== slot) return;
    keys.delete(slot.key);
    if (keys.size === 0) this.channels.delete(slot.channel);
    this.slots--;
  }
}

function parseKeySource(key: string): KeySource {
  if (key === '') return { type: 'channel' };
  if (key.startsWith(TAG_PREFIX)) return { type: 'tag', name: key.slice(TAG_PREFIX.length) };
  return { type: 'field', name: key };
}

/** The key of a publication by a top-level field of its data; "" when the field is missing. */
function fieldKey(data: string, field: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return '';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return '';
  const value: unknown = (parsed as Record<string, unknown>)[field];
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** True when the publication is not newer than the newest one this slot has seen. */
function isOlder(pub: Publication, epoch: string | undefined, slot: Slot): boolean {
  return (
    pub.offset !== undefined && slot.offset !== undefined && epoch === slot.epoch && pub.offset <= slot.offset
  );
}

/** Conflated delivery skips offsets, so none is shown; positions would only report false gaps. */
function stripOffset(pub: Publication): Publication {
  if (pub.offset === undefined) return pub;
  const out: Publication = { data: pub.data };
  if (pub.binary === true) out.binary = true;
  if (pub.info !== undefined) out.info = pub.info;
  if (pub.tags !== undefined) out.tags = pub.tags;
  if (pub.time !== undefined) out.time = pub.time;
  return out;
}
