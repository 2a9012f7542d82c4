/**
 * `POST /orders` with `{"item": string, "quantity": positive integer}`. With a session
 * (`Authorization: Bearer <token>` or the `session` cookie) the order is the user's: it is also
 * published to their personal channel and listed by the `orders.list` RPC.
 */
import {
  BadRequestException,
  Body,
  Controller,
  Headers,
  Inject,
  Post,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { PublisherError } from '@switchboard/publisher';
import { OrdersService } from './orders.service.js';
import { SessionsService } from './sessions.js';

@Controller('orders')
export class OrdersController {
  constructor(
    @Inject(OrdersService) private readonly orders: OrdersService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
  ) {}

  @Post()
  async create(
    @Body() body: { item?: unknown; quantity?: unknown },
    @Headers('authorization') authorization?: string,
    @Headers('cookie') cookie?: string,
  ) {
    const { item, quantity } = body ?? {};
    if (typeof item !== 'string' || item === '' || !Number.isInteger(quantity) || (quantity as number) < 1) {
      throw new BadRequestException('expected {"item": string, "quantity": positive integer}');
    }
    const user = this.sessions.authenticate({ authorization, cookie });
    if (user === null) throw new UnauthorizedException('unknown or expired session');
    try {
      return await this.orders.placeOrder(item, quantity as number, user?.id);
    } catch (error) {
      if (error instanceof PublisherError && error.temporary) {
        throw new ServiceUnavailableException(error.message);
      }
      throw error;
    }
  }
}
