/**
 * The HTTP server API under random requests: methods, paths, content types, keys, bodies (valid,
 * malformed, oversized, wrong-typed fields for every method). Every request gets a JSON answer in
 * bounded time: 200 with a result or a method error, or a 4xx error with a public code and a message;
 * never a 5xx or an internal error; and the node keeps serving clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ErrorCode } from '../../src/protocol/codes.js';
import { startTestNode, TEST_API_KEY, type TestNode } from '../harness/node.js';
import {
  anyJson,
  channelName,
  deepJsonText,
  edgeNumber,
  hugeNumberText,
  mutate,
  mutation,
} from './arbitraries.js';
import { closeIdleSockets, type RawRequest, rawRequest } from './http-client.js';
import { checkAsyncProperty } from './run-property.js';
import { assertServes } from './serving.js';

const BODY_LIMIT = 16_384;
const ERROR_CODES = new Set(Object.values(ErrorCode).filter((v): v is number => typeof v === 'number'));

/** Every server API method and its parameters. */
const API_FIELDS: Record<string, readonly string[]> = {
  publish: ['channel', 'data', 'tags', 'skip_history', 'idempotency_key'],
  broadcast: ['channels', 'data', 'tags', 'skip_history', 'idempotency_key'],
  subscribe: ['user', 'channel', 'client'],
  unsubscribe: ['user', 'channel', 'client'],
  disconnect: ['user', 'client', 'disconnect', 'whitelist'],
  refresh: ['user', 'client', 'expired', 'expire_at'],
  presence: ['channel'],
  presence_stats: ['channel'],
  history: ['channel', 'limit', 'since', 'reverse'],
  history_remove: ['channel'],
  channels: ['pattern'],
  info: [],
  connections: ['user'],
  batch: ['commands'],
};
const API_METHODS = Object.keys(API_FIELDS);

const user = fc.constantFrom('u1', 'u2', '', 'nobody', '__proto__');
const plausible: Record<string, fc.Arbitrary<unknown>> = {
  channel: channelName,
  channels: fc.array(channelName, { maxLength: 4 }),
  data: fc.jsonValue({ maxDepth: 4 }),
  tags: fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string(), anyJson), { maxKeys: 3 }),
  skip_history: fc.boolean(),
  idempotency_key: fc.string({ maxLength: 10 }),
  user,
  client: fc.string({ maxLength: 10 }),
  disconnect: fc.record(
    {
      code: fc.oneof(edgeNumber, fc.integer({ min: 2990, max: 5010 })),
      reason: fc.string({ maxLength: 130 }),
    },
    { requiredKeys: [] },
  ),
  whitelist: fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
  expired: fc.boolean(),
  expire_at: edgeNumber,
  limit: edgeNumber,
  since: fc.record({ offset: edgeNumber, epoch: fc.string({ maxLength: 8 }) }, { requiredKeys: [] }),
  reverse: fc.boolean(),
  pattern: fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constant('*'.repeat(40) + 'x'),
    fc.constant('a'.repeat(1100)),
  ),
};

function apiParams(method: string, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of Object.hasOwn(API_FIELDS, method) ? API_FIELDS[method]! : []) {
    const good = field === 'commands' ? batchCommands(depth) : (plausible[field] ?? anyJson);
    record[field] = fc.oneof({ arbitrary: good, weight: 3 }, { arbitrary: anyJson, weight: 1 });
  }
  return fc.record(record, { requiredKeys: [] });
}

function batchCommands(depth: number): fc.Arbitrary<unknown> {
  if (depth > 0) return fc.array(anyJson, { maxLength: 2 });
  const method = fc.oneof(fc.constantFrom(...API_METHODS), fc.string({ maxLength: 6 }));
  const command = fc.oneof(
    method.chain((m) => apiParams(m, depth + 1).map((p) => ({ method: m, params: p }))),
    method.chain((m) => apiParams(m, depth + 1).map((p) => ({ [m]: p }))),
    anyJson,
  );
  return fc.array(command, { maxLength: 4 });
}

const apiMethod = fc.oneof(
  { arbitrary: fc.constantFrom(...API_METHODS), weight: 6 },
  {
    arbitrary: fc.constantFrom('', 'nope', 'publish/x', '__proto__', 'constructor', '%00', 'a b'),
    weight: 1,
  },
);

/** A body for a method: its parameters, other JSON, malformed or oversized text, or random bytes. */
function body(method: string): fc.Arbitrary<Buffer | string | undefined> {
  const params = apiParams(method).map((p) => JSON.stringify(p));
  return fc.oneof(
    { arbitrary: params, weight: 8 },
    {
      arbitrary: fc
        .tuple(params, fc.array(mutation, { minLength: 1, maxLength: 4 }))
        .map(([p, m]) => mutate(Buffer.from(p), m)),
      weight: 3,
    },
    { arbitrary: anyJson.map((v) => JSON.stringify(v)), weight: 1 },
    { arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)), weight: 1 },
    {
      arbitrary: hugeNumberText.map((n) => `{"channel":"news","data":${n},"limit":${n},"expire_at":${n}}`),
      weight: 1,
    },
    {
      arbitrary: fc
        .integer({ min: 1, max: 2000 })
        .map((d) => `{"channel":"news","data":${deepJsonText(d * 10, 'array')}}`),
      weight: 1,
    },
    { arbitrary: fc.integer({ min: 1, max: 100 }).map((n) => ' '.repeat(BODY_LIMIT + n)), weight: 1 },
    { arbitrary: fc.constantFrom(undefined, '', '   '), weight: 1 },
  );
}

const contentType = fc.oneof(
  { arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8'), weight: 6 },
  {
    arbitrary: fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/cloudevents+json',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/octet-stream',
      ';',
      '',
    ),
    weight: 2,
  },
  { arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 20 }), weight: 1 },
);

const httpMethod = fc.oneof(
  { arbitrary: fc.constant('POST'), weight: 12 },
  { arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'FOO'), weight: 1 },
);

const keyHeader = fc.oneof(
  { arbitrary: fc.constant<Record<string, string>>({ 'x-api-key': TEST_API_KEY }), weight: 10 },
  {
    arbitrary: fc.constantFrom<Record<string, string>>(
      { authorization: `apikey ${TEST_API_KEY}` },
      { 'x-api-key': 'wrong' },
      { 'x-api-key': '' },
      {},
    ),
    weight: 1,
  },
);

const request: fc.Arbitrary<RawRequest> = fc
  .tuple(apiMethod, httpMethod, contentType, keyHeader)
  .chain(([method, verb, type, key]) =>
    body(method).map((b) => {
      const headers: Record<string, string> = { ...key };
      // Header values must be valid for the client to send them at all.
      if (/^[\t\x20-\x7e]*$/.test(type) && type !== '') headers['content-type'] = type;
      return { method: verb, path: `/api/${method === '' ? '' : encodeURI(method)}`, headers, body: b };
    }),
  );

function assertError(error: unknown, what: string): void {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  assert.ok(typeof e?.code === 'number' && ERROR_CODES.has(e.code), `public error code: ${what}`);
  assert.notEqual(e.code, ErrorCode.Internal, `no internal error: ${what}`);
  assert.ok(typeof e.message === 'string' && e.message.length > 0, `error message: ${what}`);
}

describe('fuzz: server API', () => {
  let node: TestNode;
  let controlToken = '';

  before(async () => {
    node = await startTestNode({
      http_api: { max_body_size: BODY_LIMIT },
      channel: {
        without_namespace: {
          allow_publish_for_subscriber: true,
          presence: true,
          history_size: 5,
          history_ttl: '60s',
        },
        namespaces: [
          { name: 'ns', presence: true },
          { name: 'hist', history_size: 3, history_ttl: '30s' },
        ],
      },
    });
    controlToken = await node.token('control');
  });

  after(async () => {
    closeIdleSockets();
    await node?.stop();
  });

  it('answers every request with JSON: 200 or a 4xx with a public error, never a 5xx or a hang', async () => {
    const run = async (req: RawRequest): Promise<void> => {
      const res = await rawRequest(node.port, req);
      const what = `${res.status} ${res.body.slice(0, 300)}`;
      assert.ok(res.status === 200 || (res.status >= 400 && res.status < 500), `status: ${what}`);
      if (req.method === 'HEAD') return;
      assert.match(String(res.headers['content-type']), /^application\/json/);
      const parsed = JSON.parse(res.body) as Record<string, unknown>;
      if (res.status !== 200) {
        assertError(parsed['error'], what);
        return;
      }
      // A batch answers its replies at the top level, as Centrifugo; every other call `result`.
      const answered = 'result' in parsed || Array.isArray(parsed['replies']);
      assert.ok(answered !== 'error' in parsed, `result, replies or error: ${what}`);
      if ('error' in parsed) assertError(parsed['error'], what);
      const replies = parsed['replies'];
      if (Array.isArray(replies)) {
        for (const reply of replies) {
          const r = reply as Record<string, unknown>;
          if ('error' in r) assertError(r['error'], what);
        }
      }
      const responses = (parsed['result'] as { responses?: unknown } | undefined)?.responses;
      if (Array.isArray(responses)) {
        for (const r of responses as Record<string, unknown>[])
          if ('error' in r) assertError(r['error'], what);
      }
    };
    let n = 0;
    await checkAsyncProperty(
      'api: random requests',
      fc.asyncProperty(request, async (req) => {
        await run(req);
        // A fresh client still connects, subscribes and receives a publication.
        if (++n % 5 === 0) await assertServes(node, controlToken);
      }),
      1550,
    );
    await assertServes(node, controlToken);
  });
});
