/**
 * Starts a complete node from a resolved config: engine, gateway, HTTP server. Used by the CLI and
 * by embedders and tests.
 */
import type { AddressInfo } from 'node:net';
import { loadTlsCredentials } from './config/tls.js';
import type { Config } from './config/types.js';
import { createEngine } from './engine/create.js';
import type { Engine } from './engine/types.js';
import { GatewayNode } from './gateway/node.js';
import { HttpServer } from './http/server.js';
import { type Logger, silentLogger } from './log.js';

export interface Switchboard {
  readonly node: GatewayNode;
  readonly server: HttpServer;
  readonly engine: Engine;
  readonly address: AddressInfo;
  /** Graceful stop: not ready at once, clients told to reconnect in waves (drain), then the engine closes. */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Engine to use instead of the one the config names. */
  engine?: Engine;
}

export async function startSwitchboard(config: Config, options: StartOptions = {}): Promise<Switchboard> {
  const logger = options.logger ?? silentLogger();
  // Certificate files are checked before anything connects, so a bad path fails the start at once.
  const tls = await loadTlsCredentials(config.http_server.tls);
  const engine = options.engine ?? (await createEngine(config.engine, logger));
  const node = new GatewayNode({ config, engine, logger });
  await node.start();
  const server = new HttpServer(node, tls);
  const address = await server.listen();
  let stopped: Promise<void> | undefined;
  return {
    node,
    server,
    engine,
    address,
    stop() {
      stopped ??= (async () => {
        await server.stop();
        await engine.close();
      })();
      return stopped;
    },
  };
}
