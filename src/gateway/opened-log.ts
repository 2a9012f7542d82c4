/**
 * The debug line of a new connection: its client id, transport and the client's address, so the
 * lines that follow (naming only the client id) can be traced to where it came from. The address
 * is the node's {@link ClientAddressOf}: behind trusted proxies, from `X-Forwarded-For`. Nothing is
 * kept per connection, and nothing is worked out unless debug lines are written.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../log.js';

/** The client's address of a request; the HTTP layer sets the node's (trusted proxies). */
export type ClientAddressOf = (req: IncomingMessage) => string;

/** The socket's peer: the address when no proxy is trusted. */
export const socketAddress: ClientAddressOf = (req) => req.socket.remoteAddress ?? '';

export function logOpened(
  node: { readonly log: Logger; clientAddress: ClientAddressOf },
  client: string,
  transport: string,
  req: IncomingMessage,
): void {
  if (!node.log.isLevelEnabled('debug')) return;
  node.log.debug({ client, transport, address: node.clientAddress(req) }, 'connection opened');
}
