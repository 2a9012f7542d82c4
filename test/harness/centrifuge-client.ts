/** The official `centrifuge` SDK over a real WebSocket, with helpers to await its events. */
import { Centrifuge, type Options, type PublicationContext, type Subscription } from 'centrifuge';
import WebSocket from 'ws';

/** An SDK client over `ws` with short reconnect delays and a 5 s timeout; `options` override them. */
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

/** Kept for the files that import it from here; new code imports it from `test/harness/index.ts`. */
export { waitFor } from './wait.js';
