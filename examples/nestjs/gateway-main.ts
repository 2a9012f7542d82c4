/**
 * Starts the gateway example: a NestJS application with a Switchboard node on its own port under
 * `/realtime`. The node reads its configuration as `switchboard serve` does (`SWITCHBOARD_CONFIG`,
 * `SWITCHBOARD_TOKEN_HMAC_SECRET`, `SWITCHBOARD_API_KEY`, …); `PORT` (default 3000; 0 picks a free
 * one) is the application's.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from 'switchboard';
import { GatewayAppModule } from './gateway.module.js';

const config = await loadConfig();
// forceCloseConnections: sockets a client opened and never used do not hold the shutdown.
const app = await NestFactory.create(GatewayAppModule.register(config), {
  logger: ['error', 'warn'],
  forceCloseConnections: true,
});
app.enableShutdownHooks();
await app.listen(Number(process.env['PORT'] ?? 3000), '127.0.0.1');
console.log(`gateway app listening on ${(await app.getUrl()).replace('[::1]', '127.0.0.1')}`);
