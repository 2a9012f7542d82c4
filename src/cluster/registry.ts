/**
 * The cluster's live nodes, learned from their announcements. A node that misses a few
 * announcements in a row is considered gone.
 */
import type { NodeInfo } from './messages.js';

interface Entry {
  info: NodeInfo;
  seenAt: number;
}

export class NodeRegistry {
  private readonly nodes = new Map<string, Entry>();

  constructor(
    /** A node unheard of for this long is gone, ms. */
    private readonly expireMs: number,
  ) {}

  update(info: NodeInfo, now = Date.now()): void {
    this.nodes.set(info.uid, { info, seenAt: now });
  }

  /** Forgets a node; returns what was known of it, if anything. */
  remove(uid: string): NodeInfo | undefined {
    const entry = this.nodes.get(uid);
    this.nodes.delete(uid);
    return entry?.info;
  }

  /** Forgets the nodes unheard of for too long and returns them. */
  expire(now = Date.now()): NodeInfo[] {
    const gone: NodeInfo[] = [];
    for (const [uid, entry] of this.nodes) {
      if (now - entry.seenAt > this.expireMs) {
        this.nodes.delete(uid);
        gone.push(entry.info);
      }
    }
    return gone;
  }

  /** Live nodes, oldest-known first. Expired ones are left for `expire`, which reports them. */
  live(now = Date.now()): NodeInfo[] {
    const out: NodeInfo[] = [];
    for (const entry of this.nodes.values()) {
      if (now - entry.seenAt <= this.expireMs) out.push(entry.info);
    }
    return out;
  }

  has(uid: string, now = Date.now()): boolean {
    const entry = this.nodes.get(uid);
    return entry !== undefined && now - entry.seenAt <= this.expireMs;
  }
}
