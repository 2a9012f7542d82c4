/**
 * `SwitchboardGatewayModule.forRoot` in a NestJS 12 application (Express platform): the SDK connects
 * through the app's port under `/realtime`, a publication made through the server API there (or by a
 * service that injected the node, in process) reaches it, the app's controllers still answer (JSON
 * bodies parsed by Nest included); closing the injected node leaves the app serving, and
 * `app.close()` drains a running node before the server closes.
 *
 * Decorators are applied as functions: the test suite builds without `experimentalDecorators`.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Body, Controller, Get, Inject, Injectable, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EmbeddedSwitchboard, GatewayNode, SwitchboardGatewayModule } from '../../src/embed/nestjs.js';
import { collect, newClient, setup, token, waitFor } from '../harness/index.js';
import { deliversThrough, PREFIX, testConfig } from './helpers.js';

class NewsService {
  constructor(private readonly switchboard: EmbeddedSwitchboard) {}

  announce(text: string): Promise<unknown> {
    return this.switchboard.publish('news', { text });
  }
}
Injectable()(NewsService);
Inject(EmbeddedSwitchboard)(NewsService, undefined, 0);

class NewsController {
  constructor(private readonly news: NewsService) {}

  hello(): { hello: string } {
    return { hello: 'from nest' };
  }

  announce(body: { text: string }): Promise<unknown> {
    return this.news.announce(body.text);
  }
}
Controller()(NewsController);
Inject(NewsService)(NewsController, undefined, 0);
const method = (name: keyof NewsController) =>
  [NewsController.prototype, name, Object.getOwnPropertyDescriptor(NewsController.prototype, name)!] as const;
Get('hello')(...method('hello'));
Post('announce')(...method('announce'));
Body()(NewsController.prototype, 'announce', 0);

async function nestApp() {
  const config = await testConfig();
  class AppModule {}
  Module({
    imports: [SwitchboardGatewayModule.forRoot({ config, prefix: PREFIX })],
    controllers: [NewsController],
    providers: [NewsService],
  })(AppModule);
  // Sockets a client opened and never used would keep app.close() waiting: cut them.
  const app = await NestFactory.create(AppModule, { logger: false, forceCloseConnections: true });
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, base, switchboard: app.get(EmbeddedSwitchboard) };
}

async function announce(base: string, text: string): Promise<Response> {
  return fetch(`${base}/announce`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
}

describe('embedded in NestJS (SwitchboardGatewayModule)', { timeout: 60_000 }, () => {
  it('serves the SDK and the server API through the app port; a service publishes in process', async () => {
    await using t = setup();
    const { app, base, switchboard } = await nestApp();
    t.defer(app, (a) => a.close());
    assert.equal(app.get(GatewayNode), switchboard.node, 'the node itself is injectable');
    const client = t.defer(await deliversThrough(`${base}${PREFIX}`, 'news'), (c) => c.disconnect());
    assert.equal(client.state, 'connected');

    const viewer = t.defer(
      newClient(`${base.replace(/^http/, 'ws')}${PREFIX}/connection/websocket`, {
        token: await token('viewer'),
      }),
      (c) => c.disconnect(),
    );
    const sub = viewer.newSubscription('news');
    const got = collect(sub);
    sub.subscribe();
    viewer.connect();
    await sub.ready(5000);
    const res = await announce(base, 'from a service');
    assert.equal(res.status, 201);
    await waitFor(() => got.length === 1, 'the in-process publication', 5000);
    assert.deepEqual(got[0]?.data, { text: 'from a service' });

    assert.deepEqual(await (await fetch(`${base}/hello`)).json(), { hello: 'from nest' });
    const missing = await fetch(`${base}${PREFIX}/nope`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { message?: string }).message, 'Cannot GET /realtime/nope');
  });

  it('closing the node leaves the app serving; app.close() drains a running node', async () => {
    await using t = setup();
    const first = await nestApp();
    t.defer(first.app, (a) => a.close());
    await first.switchboard.close();
    assert.deepEqual(await (await fetch(`${first.base}/hello`)).json(), { hello: 'from nest' });
    assert.equal(
      (await fetch(`${first.base}${PREFIX}/health`)).status,
      404,
      "the node's paths are the app's again",
    );

    const second = await nestApp();
    const client = await deliversThrough(`${second.base}${PREFIX}`, 'news');
    const codes: number[] = [];
    client.on('connecting', (ctx) => codes.push(ctx.code));
    await second.app.close();
    assert.equal(second.switchboard.node.connections.size, 0);
    await waitFor(() => codes.length > 0, 'the client told to reconnect', 5000);
    assert.equal(codes[0], 3001);
    client.disconnect();
  });
});
