/**
 * The gateway inside the application: `GatewayAppModule.register(config)` runs a Switchboard node
 * on the application's own HTTP server under `/realtime` (`SwitchboardGatewayModule` from
 * `switchboard/nestjs`), beside a controller that publishes announcements through it.
 */
import { type DynamicModule, Module } from '@nestjs/common';
import type { Config } from 'switchboard';
import { SwitchboardGatewayModule } from 'switchboard/nestjs';
import { AnnouncementsController } from './announcements.controller.js';

/** Where the node's paths live in the application. */
export const REALTIME_PREFIX = '/realtime';

@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: Nest modules are classes.
export class GatewayAppModule {
  static register(config: Config): DynamicModule {
    return {
      module: GatewayAppModule,
      imports: [SwitchboardGatewayModule.forRoot({ config, prefix: REALTIME_PREFIX })],
      controllers: [AnnouncementsController],
    };
  }
}
