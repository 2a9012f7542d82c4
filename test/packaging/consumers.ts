/**
 * The programs a fresh project writes against the two installed packages: an ES module and a
 * CommonJS script that start a node, fetch its `/health` and publish to it through the publisher,
 * and TypeScript consumers of both formats for `tsc` with module `nodenext`.
 */

/** The body both scripts run, once `sb` (switchboard) and `pub` (the publisher) are loaded. */
const BODY = `
const app = await sb.startSwitchboard(
  sb.resolveConfig({
    http_server: { port: 0, address: '127.0.0.1' },
    http_api: { key: 'consumer-key' },
    client: { token: { hmac_secret_key: 'consumer-secret-0123456789abcdef0123' } },
    channel: { namespaces: [{ name: 'news', history_size: 10, history_ttl: '60s' }] },
    log: { level: 'silent' },
    shutdown: { drain_duration: 0 },
  }),
);
try {
  const base = 'http://127.0.0.1:' + app.address.port;
  const health = await fetch(base + '/health');
  const attempts = [];
  const publisher = new pub.Publisher({
    url: base,
    apiKey: 'consumer-key',
    deadlineMs: 5000,
    onAttempt: (event) => attempts.push(event.outcome),
  });
  const published = await publisher.publish({ channel: 'news:one', data: { n: 1 } });
  const history = await publisher.history({ channel: 'news:one', limit: -1 });
  let refused = '';
  try {
    await new pub.Publisher({ url: base, apiKey: 'wrong' }).info();
  } catch (error) {
    refused = error instanceof pub.PublisherError ? error.kind + ' ' + error.code : String(error);
  }
  let nestjs = 'not installed';
  try {
    resolve('@nestjs/core');
    nestjs = 'installed';
  } catch {}
  console.log(
    JSON.stringify({
      version: sb.VERSION,
      createNode: typeof sb.createNode,
      health: health.status,
      offset: published.offset,
      data: history.publications.map((p) => p.data),
      attempts,
      refused,
      nestjs,
      switchboard: resolve('switchboard'),
      publisher: resolve('@switchboard/publisher'),
    }),
  );
} finally {
  await app.stop();
}
`;

export const ESM_CONSUMER = `import * as sb from 'switchboard';
import * as pub from '@switchboard/publisher';
const resolve = (name) => import.meta.resolve(name);
${BODY}`;

export const CJS_CONSUMER = `const sb = require('switchboard');
const pub = require('@switchboard/publisher');
const resolve = (name) => require.resolve(name);
(async () => {
${BODY}
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

/** Typed uses of both packages; each `@ts-expect-error` fails the check if the types were `any`. */
const TYPED = `
import { createNode, resolveConfig, startSwitchboard, type Switchboard, VERSION } from 'switchboard';
import { type AttemptEvent, Publisher, PublisherError, type PublishResult } from '@switchboard/publisher';

export const version: string = VERSION;
export const start: (config: ReturnType<typeof resolveConfig>) => Promise<Switchboard> = startSwitchboard;
export const create = createNode;
const publisher = new Publisher({
  url: 'http://127.0.0.1:8000',
  apiKey: 'k',
  deadlineMs: 5_000,
  onAttempt: (event: AttemptEvent) => void event.attempt,
});
export const result: Promise<PublishResult> = publisher.publish({ channel: 'news', data: 1 });
export const kind = (error: unknown) => (error instanceof PublisherError ? error.kind : undefined);
// @ts-expect-error url is required
new Publisher({ apiKey: 'k' });
// @ts-expect-error startSwitchboard takes a configuration
void startSwitchboard(42);
`;

/** ES module consumer: resolves the packages' `import` conditions. */
export const TS_ESM = TYPED;
/** CommonJS consumer: its imports become require() calls, resolved through the `require` conditions. */
export const TS_CJS = TYPED;

export function tsconfig(typeRoots: string): string {
  return JSON.stringify(
    {
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        strict: true,
        noEmit: true,
        types: ['node'],
        typeRoots: [typeRoots],
      },
      files: ['consumer.mts', 'consumer.cts'],
    },
    null,
    2,
  );
}
