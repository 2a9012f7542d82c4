/**
 * Starts a complete node from a resolved config: engine, gateway, HTTP server. Used by the CLI and
 * by embedders and tests.
 */
import type { AddressInfo } from 'node:net';
import type { Config } from './config/types.js';
import { createMemoryEngine } from './engine/memory/index.js';
import type { Engine } from './engine/types.js';
import { GatewayNode } from './gateway/node.js';
import { GatewayServer } from './gateway/server.js';
import { type Logger, silentLogger } from './log.js';

export interface Switchboard {
  readonly node: GatewayNode;
  readonly server: GatewayServer;
  readonly engine: Engine;
  readonly address: AddressInfo;
  /** Graceful stop: clients are told to reconnect, then the engine closes. */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Engine to use; the in-memory engine by default. */
  engine?: Engine;
}

export async function startSwitchboard(config: Config, options: StartOptions = {}): Promise<Switchboard> {
  const engine = options.engine ?? createMemoryEngine();
  const node = new GatewayNode({ config, engine, logger: options.logger ?? silentLogger() });
  await node.start();
  const server = new GatewayServer(node);
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
