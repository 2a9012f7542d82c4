/**
 * Starts the NestJS example: `SWITCHBOARD_URL`, `SWITCHBOARD_API_KEY`, optional `PORT` (default
 * 3000; 0 picks a free one), `ORDERS_CHANNEL` (default `orders`), and for the proxies
 * `PROXY_SECRET` (default empty: not checked) and `CONNECTION_TTL_SECONDS` (default 300).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

const app = await NestFactory.create(
  AppModule.register({
    switchboard: {
      url: process.env['SWITCHBOARD_URL'] ?? 'http://127.0.0.1:8000',
      apiKey: process.env['SWITCHBOARD_API_KEY'] ?? '',
      timeoutMs: 3_000,
      retries: 3,
      batch: { maxSize: 100, maxDelayMs: 5 },
    },
    ordersChannel: process.env['ORDERS_CHANNEL'] ?? 'orders',
    proxy: {
      connectionTtlSeconds: Number(process.env['CONNECTION_TTL_SECONDS'] ?? 300),
      secret: process.env['PROXY_SECRET'] ?? '',
    },
  }),
  { logger: ['error', 'warn'] },
);
app.enableShutdownHooks();
await app.listen(Number(process.env['PORT'] ?? 3000), '127.0.0.1');
console.log(`orders service listening on ${(await app.getUrl()).replace('[::1]', '127.0.0.1')}`);
