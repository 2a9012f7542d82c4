/**
 * `switchboard/nestjs`: `SwitchboardGatewayModule.forRoot({ config, prefix })`, a global NestJS
 * module that runs a node inside the application. The node starts while Nest builds the module,
 * is attached to the application's HTTP server on bootstrap (its WebSocket upgrades, and its HTTP
 * routes ahead of Nest's router and body parsers, on the Express and the Fastify platform alike)
 * and drains before the server closes on shutdown (`app.close()`, or a signal with
 * `enableShutdownHooks()`). Inject {@link EmbeddedSwitchboard} to publish in process
 * (`switchboard.publish(channel, data)`), or the {@link GatewayNode} itself.
 *
 * Written without decorators, so it builds with any TypeScript decorator setting; `@nestjs/common`
 * and `@nestjs/core` are optional peer dependencies, loaded only through this entry.
 */
import type { Server } from 'node:http';
import type {
  BeforeApplicationShutdown,
  DynamicModule,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Config } from '../config/types.js';
import { GatewayNode } from '../gateway/node.js';
import { EmbeddedSwitchboard, type EmbedOptions, embedSwitchboard } from './embedded-switchboard.js';
import { EmbedOptionError } from './option-error.js';

export { GatewayNode } from '../gateway/node.js';
export { EmbeddedSwitchboard } from './embedded-switchboard.js';

/** What {@link SwitchboardGatewayModule.forRoot} takes. */
export interface SwitchboardGatewayOptions extends EmbedOptions {
  /** The node's configuration, as `resolveConfig` or `loadConfig` of `switchboard` return it. */
  config: Config;
}

/** Attaches the node on bootstrap and closes it before the HTTP server closes. */
export class SwitchboardGatewayLifecycle
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly switchboard: EmbeddedSwitchboard,
  ) {}

  onApplicationBootstrap(): void {
    const adapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined;
    if (adapter === undefined) {
      throw new EmbedOptionError(
        'SwitchboardGatewayModule',
        'the application has no HTTP server: create it with NestFactory.create, not createApplicationContext',
      );
    }
    this.switchboard.attach(adapter.getHttpServer() as Server, { requests: true });
  }

  /** Before Nest closes the server: clients are told to reconnect (3001) while the port is open. */
  beforeApplicationShutdown(): Promise<void> {
    return this.switchboard.close();
  }

  /** After a shutdown that skipped the hook above, the node still stops (close() runs once). */
  onApplicationShutdown(): Promise<void> {
    return this.switchboard.close();
  }
}

/** The module: import `SwitchboardGatewayModule.forRoot(options)` once, in the root module. */
// biome-ignore lint/complexity/noStaticOnlyClass: Nest modules are classes.
export class SwitchboardGatewayModule {
  static forRoot(options: SwitchboardGatewayOptions): DynamicModule {
    const { config, ...embed } = options;
    return {
      module: SwitchboardGatewayModule,
      global: true,
      providers: [
        { provide: EmbeddedSwitchboard, useFactory: () => embedSwitchboard(config, embed) },
        {
          provide: GatewayNode,
          useFactory: (switchboard: EmbeddedSwitchboard) => switchboard.node,
          inject: [EmbeddedSwitchboard],
        },
        {
          provide: SwitchboardGatewayLifecycle,
          useFactory: (host: HttpAdapterHost, switchboard: EmbeddedSwitchboard) =>
            new SwitchboardGatewayLifecycle(host, switchboard),
          inject: [HttpAdapterHost, EmbeddedSwitchboard],
        },
      ],
      exports: [EmbeddedSwitchboard, GatewayNode],
    };
  }
}
