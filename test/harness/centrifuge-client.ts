/** The official `centrifuge` SDK over a real WebSocket, with helpers to await its events. */
import { Centrifuge, type Options, type PublicationContext, type Subscription } from 'centrifuge';
import WebSocket from 'ws';

export function newClient(url: string, options: Partial<Options> = {}): Centrifuge {
  return new Centrifuge(url, {
    websocket: WebSocket,
    minReconnectDelay: 50,
    maxReconnectDelay: 300,
    timeout: 5000,
    ...options,
  });
}

/** Resolves once the client is connected. */
export function connected(client: Centrifuge, timeoutMs = 5000): Promise<void> {
  return client.ready(timeoutMs);
}

/** Collects a subscription's publications. */
export function collect(sub: Subscription): PublicationContext[] {
  const out: PublicationContext[] = [];
  sub.on('publication', (ctx) => out.push(ctx));
  return out;
}

/** Waits until `predicate` holds, polling; rejects with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
