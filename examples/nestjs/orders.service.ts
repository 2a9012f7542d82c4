/**
 * Places orders and publishes an `order.created` event for each one: to the orders channel, and
 * for an order placed by a logged-in user to that user's personal channel (`orders:#<user>`) too.
 * Keeps the orders and the comments clients publish (through the publish proxy) in memory.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Publisher, type PublishResult } from '@switchboard/publisher';

export interface Order {
  id: string;
  item: string;
  quantity: number;
  created_at: string;
  /** The user who placed it; absent for an anonymous order. */
  user?: string;
}

export interface Comment {
  id: string;
  user: string;
  text: string;
  created_at: string;
}

export const ORDERS_CHANNEL = Symbol('ORDERS_CHANNEL');

/** A user's personal channel: user-limited (`#`), so only that user may be subscribed to it. */
export function userChannel(user: string): string {
  return `orders:#${user}`;
}

/** The channel clients publish comments to; the publish proxy checks and stores them. */
export const COMMENTS_CHANNEL = 'orders:comments';

@Injectable()
export class OrdersService {
  private readonly orders: Order[] = [];
  private readonly comments: Comment[] = [];

  constructor(
    @Inject(Publisher) private readonly publisher: Publisher,
    @Inject(ORDERS_CHANNEL) private readonly channel: string,
  ) {}

  async placeOrder(
    item: string,
    quantity: number,
    user?: string,
  ): Promise<{ order: Order; position: PublishResult }> {
    const order: Order = { id: randomUUID(), item, quantity, created_at: new Date().toISOString() };
    if (user !== undefined) order.user = user;
    const data = { type: 'order.created', order };
    const [position] = await Promise.all([
      this.publisher.publish({ channel: this.channel, data, idempotency_key: `order-${order.id}` }),
      ...(user === undefined
        ? []
        : [
            this.publisher.publish({
              channel: userChannel(user),
              data,
              idempotency_key: `order-${order.id}-user`,
            }),
          ]),
    ]);
    this.orders.push(order);
    return { order, position };
  }

  ordersOf(user: string): Order[] {
    return this.orders.filter((o) => o.user === user);
  }

  addComment(user: string, text: string): Comment {
    const comment: Comment = { id: randomUUID(), user, text, created_at: new Date().toISOString() };
    this.comments.push(comment);
    return comment;
  }

  /** The latest comments, oldest first. */
  recentComments(limit = 20): Comment[] {
    return this.comments.slice(-limit);
  }
}
