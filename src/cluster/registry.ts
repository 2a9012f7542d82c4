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

  remove(uid: string): void {
    this.nodes.delete(uid);
  }

  /** Live nodes, oldest-known first; forgets the expired ones. */
  live(now = Date.now()): NodeInfo[] {
    const out: NodeInfo[] = [];
    for (const [uid, entry] of this.nodes) {
      if (now - entry.seenAt > this.expireMs) this.nodes.delete(uid);
      else out.push(entry.info);
    }
    return out;
  }

  has(uid: string, now = Date.now()): boolean {
    const entry = this.nodes.get(uid);
    return entry !== undefined && now - entry.seenAt <= this.expireMs;
  }
}
