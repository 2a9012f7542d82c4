/** The application: the Switchboard module, the orders controller and service. */
import { type DynamicModule, Module } from '@nestjs/common';
import type { PublisherOptions } from 'switchboard/publisher';
import { OrdersController } from './orders.controller.js';
import { ORDERS_CHANNEL, OrdersService } from './orders.service.js';
import { SwitchboardModule } from './switchboard.module.js';

@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: Nest modules are classes.
export class AppModule {
  static register(options: { switchboard: PublisherOptions; ordersChannel: string }): DynamicModule {
    return {
      module: AppModule,
      imports: [SwitchboardModule.forRoot(options.switchboard)],
      controllers: [OrdersController],
      providers: [OrdersService, { provide: ORDERS_CHANNEL, useValue: options.ordersChannel }],
    };
  }
}
