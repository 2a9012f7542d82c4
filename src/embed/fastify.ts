/**
 * A Fastify plugin for an embedded node: `await app.register(switchboardFastify, { switchboard })`.
 * The node's WebSocket upgrades are taken on `app.server`; its HTTP routes are answered from an
 * `onRequest` hook, on the raw request and response (`reply.hijack()`), before Fastify parses a
 * body, so the server API reads its own and the streaming transports own their responses. Other
 * requests go on through Fastify's router. The node drains in a `preClose` hook, so `app.close()`
 * stops it before the port closes.
 *
 * It needs no Fastify at run time or in its types: it uses the few members of an instance named in
 * {@link FastifyInstanceLike}, which a Fastify 5 instance has.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { EmbeddedSwitchboard } from './embedded-switchboard.js';

/** The members of a Fastify request and reply the plugin uses. */
export interface FastifyRequestLike {
  readonly raw: IncomingMessage;
}
export interface FastifyReplyLike {
  readonly raw: ServerResponse;
  hijack(): unknown;
}

/** The members of a Fastify instance the plugin uses. */
export interface FastifyInstanceLike {
  readonly server: Server;
  addHook(
    name: 'onRequest',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: (error?: Error) => void) => void,
  ): unknown;
  addHook(name: 'preClose', hook: (done: (error?: Error) => void) => void): unknown;
}

export interface SwitchboardFastifyOptions {
  /** The node, from `embedSwitchboard(config, { prefix })`. */
  switchboard: EmbeddedSwitchboard;
  /** Close the node in Fastify's `preClose` hook (default true); false: the caller closes it. */
  closeWithApp?: boolean;
}

/**
 * The plugin. It is not encapsulated (as `fastify-plugin` would mark it): its hook sees every
 * request of the instance it is registered on, 404s included.
 */
export async function switchboardFastify(
  instance: FastifyInstanceLike,
  options: SwitchboardFastifyOptions,
): Promise<void> {
  const switchboard = options.switchboard;
  switchboard.attach(instance.server);
  instance.addHook('onRequest', (request, reply, done) => {
    // The node decides at once whether a path is its own: `next` runs before `handle` returns.
    let passed = false;
    switchboard.handle(request.raw, reply.raw, () => {
      passed = true;
    });
    if (passed) done();
    else reply.hijack();
  });
  if (options.closeWithApp !== false) {
    instance.addHook('preClose', (done) => {
      switchboard.close().then(
        () => done(),
        (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
      );
    });
  }
}

// Fastify reads these: no encapsulation (hooks apply to the whole instance), and a display name.
Object.assign(switchboardFastify, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'switchboard',
});
