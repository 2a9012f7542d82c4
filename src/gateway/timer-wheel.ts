/**
 * One shared timer for every connection's deadlines (ping, pong, stale, expiry). Deadlines fall
 * into buckets of `resolutionMs`; a single interval walks the due buckets. Scheduling is O(1) and a
 * connection costs no timer of its own.
 */

/** Something with at most one pending deadline in a wheel. */
export interface WheelItem {
  /** Bucket the item sits in, or -1 when not scheduled. Owned by the wheel. */
  wheelSlot: number;
  /** Called once when the deadline is reached. */
  onDeadline(now: number): void;
}

/** A tick this much later than due means the process was stopped or its event loop blocked. */
const LATE_MS = 1000;

export class TimerWheel {
  private readonly buckets = new Map<number, Set<WheelItem>>();
  private readonly timer: NodeJS.Timeout;
  private nextSlot: number;
  private lastTickAt = Date.now();
  /** True while the bucket at `nextSlot` is being walked. */
  private walking = false;

  constructor(private readonly resolutionMs = 250) {
    this.nextSlot = Math.floor(Date.now() / resolutionMs);
    this.timer = setInterval(() => this.onInterval(), resolutionMs);
    this.timer.unref();
  }

  /**
   * Node runs timers before it reads sockets. After a stop (SIGSTOP, a long GC, a blocked loop) the
   * pongs and connect commands that arrived meanwhile wait unread, so deadlines walked right away
   * would close those clients as silent. A late tick waits one turn (`setImmediate` runs after
   * the reads), so what the clients sent in time counts.
   */
  private onInterval(): void {
    const now = Date.now();
    const late = now - this.lastTickAt > this.resolutionMs + LATE_MS;
    this.lastTickAt = now;
    if (late) setImmediate(() => this.tick(Date.now()));
    else this.tick(now);
  }

  /** Sets the item's deadline, replacing any earlier one. */
  schedule(item: WheelItem, at: number): void {
    this.cancel(item);
    // A deadline in a bucket already walked, or in the one being walked, goes into the next one.
    const slot = Math.max(
      Math.ceil(at / this.resolutionMs),
      this.walking ? this.nextSlot + 1 : this.nextSlot,
    );
    let bucket = this.buckets.get(slot);
    if (bucket === undefined) {
      bucket = new Set();
      this.buckets.set(slot, bucket);
    }
    bucket.add(item);
    item.wheelSlot = slot;
  }

  cancel(item: WheelItem): void {
    if (item.wheelSlot === -1) return;
    const bucket = this.buckets.get(item.wheelSlot);
    if (bucket !== undefined) {
      bucket.delete(item);
      if (bucket.size === 0) this.buckets.delete(item.wheelSlot);
    }
    item.wheelSlot = -1;
  }

  /** Number of scheduled items. */
  get size(): number {
    let n = 0;
    for (const bucket of this.buckets.values()) n += bucket.size;
    return n;
  }

  private tick(now: number): void {
    const last = Math.floor(now / this.resolutionMs);
    for (; this.nextSlot <= last; this.nextSlot++) {
      const bucket = this.buckets.get(this.nextSlot);
      if (bucket === undefined) continue;
      this.buckets.delete(this.nextSlot);
      this.walking = true;
      for (const item of bucket) {
        // Cancelled or moved by an earlier deadline of this walk (one connection closing another):
        // the bucket is out of the map, so `cancel` could not take the item out of it.
        if (item.wheelSlot !== this.nextSlot) continue;
        item.wheelSlot = -1;
        try {
          item.onDeadline(now);
        } catch {
          // One connection's failure must not stop the others' deadlines.
        }
      }
      this.walking = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.buckets.clear();
  }
}
