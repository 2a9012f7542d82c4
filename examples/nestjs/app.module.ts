/**
 * The application: the Switchboard module, the orders controller and service, the login
 * sessions, and the controller answering Switchboard's proxies.
 */
import { type DynamicModule, Module } from '@nestjs/common';
import type { PublisherOptions } from '@switchboard/publisher';
import { AuthController } from './auth.controller.js';
import { OrdersController } from './orders.controller.js';
import { ORDERS_CHANNEL, OrdersService } from './orders.service.js';
import { CentrifugoProxyController, PROXY_OPTIONS, type ProxyOptions } from './proxy.controller.js';
import { SessionsService } from './sessions.js';
import { SwitchboardModule } from './switchboard.module.js';

@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: Nest modules are classes.
export class AppModule {
  static register(options: {
    switchboard: PublisherOptions;
    ordersChannel: string;
    proxy: ProxyOptions;
  }): DynamicModule {
    return {
      module: AppModule,
      imports: [SwitchboardModule.forRoot(options.switchboard)],
      controllers: [OrdersController, AuthController, CentrifugoProxyController],
      providers: [
        OrdersService,
        SessionsService,
        { provide: ORDERS_CHANNEL, useValue: options.ordersChannel },
        { provide: PROXY_OPTIONS, useValue: options.proxy },
      ],
    };
  }
}
