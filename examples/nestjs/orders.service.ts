/** Places orders and publishes an `order.created` event for each one. */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Publisher, type PublishResult } from 'switchboard/publisher';

export interface Order {
  id: string;
  item: string;
  quantity: number;
  created_at: string;
}

export const ORDERS_CHANNEL = Symbol('ORDERS_CHANNEL');

@Injectable()
export class OrdersService {
  constructor(
    @Inject(Publisher) private readonly publisher: Publisher,
    @Inject(ORDERS_CHANNEL) private readonly channel: string,
  ) {}

  async placeOrder(item: string, quantity: number): Promise<{ order: Order; position: PublishResult }> {
    const order: Order = { id: randomUUID(), item, quantity, created_at: new Date().toISOString() };
    const position = await this.publisher.publish({
      channel: this.channel,
      data: { type: 'order.created', order },
      idempotency_key: `order-${order.id}`,
    });
    return { order, position };
  }
}
