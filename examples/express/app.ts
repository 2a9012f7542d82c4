/** An Express app whose `POST /orders` publishes an `order.created` event through the Publisher. */
import { randomUUID } from 'node:crypto';
import { type Publisher, PublisherError } from '@switchboard/publisher';
import express, { type Express } from 'express';

export interface OrderInput {
  item: string;
  quantity: number;
}

function parseOrder(body: unknown): OrderInput | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { item, quantity } = body as Record<string, unknown>;
  if (typeof item !== 'string' || item === '') return undefined;
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1) return undefined;
  return { item, quantity };
}

export function createApp(publisher: Publisher, channel = 'orders'): Express {
  const app = express();
  app.use(express.json());

  app.post('/orders', async (req, res) => {
    const input = parseOrder(req.body);
    if (input === undefined) {
      res.status(400).json({ error: 'expected {"item": string, "quantity": positive integer}' });
      return;
    }
    const order = { id: randomUUID(), ...input, created_at: new Date().toISOString() };
    try {
      // The order id doubles as the idempotency key: a client retrying this POST after a lost
      // answer would publish the event once. (Here each POST is a new order with a new id.)
      const position = await publisher.publish({
        channel,
        data: { type: 'order.created', order },
        idempotency_key: `order-${order.id}`,
      });
      res.status(201).json({ order, position });
    } catch (error) {
      if (!(error instanceof PublisherError)) throw error;
      // Temporary: the publisher already retried; the caller may try again later.
      res.status(error.temporary ? 503 : 502).json({ error: error.message, code: error.code });
    }
  });

  return app;
}
