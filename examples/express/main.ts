/**
 * Starts the Express example: `SWITCHBOARD_URL`, `SWITCHBOARD_API_KEY`, optional `PORT` (default
 * 3000; 0 picks a free one) and `ORDERS_CHANNEL` (default `orders`).
 */
import { Publisher } from '@switchboard/publisher';
import { createApp } from './app.js';

const publisher = new Publisher({
  url: process.env['SWITCHBOARD_URL'] ?? 'http://127.0.0.1:8000',
  apiKey: process.env['SWITCHBOARD_API_KEY'] ?? '',
  timeoutMs: 3_000,
  retries: 3,
});
const app = createApp(publisher, process.env['ORDERS_CHANNEL'] ?? 'orders');
const server = app.listen(Number(process.env['PORT'] ?? 3000), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  console.log(`orders service listening on http://127.0.0.1:${port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
