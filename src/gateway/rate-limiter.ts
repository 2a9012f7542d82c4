/** A token bucket refilled continuously: `rate` tokens per second, holding at most `rate`. */
export class RateLimiter {
  /** A limiter that never limits: rate 0 keeps no state, so every connection can share it. */
  static readonly UNLIMITED = new RateLimiter(0);

  private tokens: number;
  private updatedAt = Date.now();

  constructor(private readonly rate: number) {
    this.tokens = rate;
  }

  /** Takes one token; false when the bucket is empty. A rate of 0 never limits. */
  take(now = Date.now()): boolean {
    if (this.rate === 0) return true;
    const elapsed = now - this.updatedAt;
    if (elapsed > 0) {
      this.tokens = Math.min(this.rate, this.tokens + (elapsed * this.rate) / 1000);
      this.updatedAt = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
