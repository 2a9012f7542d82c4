/** `POST /orders` with `{"item": string, "quantity": positive integer}`. */
import {
  BadRequestException,
  Body,
  Controller,
  Inject,
  Post,
  ServiceUnavailableException,
} from '@nestjs/common';
import { PublisherError } from 'switchboard/publisher';
import { OrdersService } from './orders.service.js';

@Controller('orders')
export class OrdersController {
  constructor(@Inject(OrdersService) private readonly orders: OrdersService) {}

  @Post()
  async create(@Body() body: { item?: unknown; quantity?: unknown }) {
    const { item, quantity } = body ?? {};
    if (typeof item !== 'string' || item === '' || !Number.isInteger(quantity) || (quantity as number) < 1) {
      throw new BadRequestException('expected {"item": string, "quantity": positive integer}');
    }
    try {
      return await this.orders.placeOrder(item, quantity as number);
    } catch (error) {
      if (error instanceof PublisherError && error.temporary) {
        throw new ServiceUnavailableException(error.message);
      }
      throw error;
    }
  }
}
