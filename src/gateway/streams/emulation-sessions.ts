/**
 * The node's emulated sessions (HTTP streaming, SSE) by session id, so the commands of an
 * `/emulation` request, arriving at this node or forwarded by another one, reach their session.
 */
import type { StreamTransport } from './stream-transport.js';

export class EmulationSessions {
  private readonly sessions = new Map<string, StreamTransport>();

  get size(): number {
    return this.sessions.size;
  }

  add(transport: StreamTransport): void {
    this.sessions.set(transport.session, transport);
  }

  remove(transport: StreamTransport): void {
    if (this.sessions.get(transport.session) === transport) this.sessions.delete(transport.session);
  }

  /** Hands commands to a session of this node; false when it has none of that id (gone, or never). */
  deliver(session: string, data: Buffer): boolean {
    const transport = this.sessions.get(session);
    if (transport === undefined) return false;
    transport.deliver(data);
    return true;
  }
}
