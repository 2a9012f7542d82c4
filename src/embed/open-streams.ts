/**
 * The sockets and responses an embedded node holds on the application's server (upgraded
 * WebSockets, SSE and HTTP-streaming responses, server API calls in flight): a stop waits for them
 * to close, and cuts those still open when it runs out of time. The application's own connections
 * are never in it.
 */

/** Anything that emits `close` once and can be destroyed: a socket, a `ServerResponse`. */
export interface Closable {
  once(event: 'close', listener: () => void): unknown;
  destroy(): unknown;
}

export class OpenStreams {
  private readonly open = new Set<Closable>();
  private emptied: (() => void) | undefined;

  get size(): number {
    return this.open.size;
  }

  /** Holds `item` until it closes. */
  add(item: Closable): void {
    if (this.open.has(item)) return;
    this.open.add(item);
    item.once('close', () => this.delete(item));
  }

  /** Forgets `item` (a request passed on to the application after all). */
  delete(item: Closable): void {
    if (!this.open.delete(item) || this.open.size > 0) return;
    const emptied = this.emptied;
    this.emptied = undefined;
    emptied?.();
  }

  /** Resolves once nothing is open. */
  whenEmpty(): Promise<void> {
    if (this.open.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const before = this.emptied;
      this.emptied = () => {
        before?.();
        resolve();
      };
    });
  }

  /** Destroys everything still open. */
  destroyAll(): void {
    for (const item of [...this.open]) item.destroy();
  }
}
