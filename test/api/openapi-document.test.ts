/**
 * `GET /api/openapi.json` on a real node: an OpenAPI 3.1.0 document that passes the structural
 * check, whose component schemas are valid JSON Schema (the subset checker), which describes
 * exactly the methods the node registers (a method added without a description fails here), with
 * the node's version, key requirement and body limit; served with the API key (either header),
 * refused without it, GET and HEAD only. The result schemas are also held to the server's own
 * types at compile time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { z } from 'zod';
import { apiMethods } from '../../src/api/methods/index.js';
import type { ApiErrorSchema, ClientInfoSchema } from '../../src/api/openapi/common-schemas.js';
import { methodDescriptions } from '../../src/api/openapi/method-schemas.js';
import type { NodeInfo } from '../../src/cluster/messages.js';
import type { OnlineUsersPage } from '../../src/engine/user-status.js';
import type { ConnectionEntry } from '../../src/gateway/survey-answers.js';
import type { ClientInfo, ProtocolError } from '../../src/protocol/types.js';
import { VERSION } from '../../src/version.js';
import { setup, TEST_API_KEY, type TestNode } from '../harness/index.js';
import { rawRequest } from './helpers.js';
import { type Doc, fetchDescription } from './openapi-helpers.js';
import { checkOpenApi31 } from './openapi-structure.js';

type Obj = Record<string, unknown>;

/** True when each type is assignable to the other and both have the same keys (optional ones too). */
type Same<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? [keyof A] extends [keyof B]
      ? [keyof B] extends [keyof A]
        ? true
        : false
      : false
    : false
  : false;
type InfoNode = ResultOf<'info'>['nodes'][number];
type ResultOf<M extends keyof typeof methodDescriptions> = z.output<(typeof methodDescriptions)[M]['result']>;

// Compile-time: the documented shapes are the server's own types (a field added to one but not
// the other fails `tsc`).
const sameAsServerTypes: true[] = [
  true satisfies Same<InfoNode, NodeInfo>,
  true satisfies Same<InfoNode['process'], NodeInfo['process']>,
  true satisfies Same<InfoNode['counters'], NodeInfo['counters']>,
  true satisfies Same<ResultOf<'connections'>['connections'][string], ConnectionEntry>,
  true satisfies Same<ResultOf<'online_users'>['users'][number], OnlineUsersPage['users'][number]>,
  true satisfies Same<z.output<typeof ClientInfoSchema>, ClientInfo>,
  true satisfies Same<z.output<typeof ApiErrorSchema>, ProtocolError>,
];

function postMethods(doc: Doc): string[] {
  const out: string[] = [];
  for (const [path, item] of Object.entries(doc['paths'] as Obj)) {
    if ((item as Obj)['post'] !== undefined) out.push(path.slice('/api/'.length));
  }
  return out.sort();
}

describe('GET /api/openapi.json', () => {
  const t = setup();
  let node: TestNode;
  let doc: Doc;
  before(async () => {
    node = await t.node({ http_api: { max_body_size: 12_345 } });
    doc = await fetchDescription(node);
  });
  after(() => t.cleanup());

  it('is a valid OpenAPI 3.1.0 document with the node version', () => {
    assert.equal(doc['openapi'], '3.1.0');
    assert.deepEqual(checkOpenApi31(doc), []);
    assert.equal((doc['info'] as Obj)['version'], VERSION);
    assert.equal(sameAsServerTypes.length, 7);
  });

  it('describes exactly the methods the node registers, plus batch, each as POST /api/<method>', () => {
    const registered = [...apiMethods.keys(), 'batch'].sort();
    assert.deepEqual(postMethods(doc), registered);
    assert.deepEqual(Object.keys(methodDescriptions).sort(), [...apiMethods.keys()].sort());
    const paths = Object.keys(doc['paths'] as Obj).sort();
    assert.deepEqual(paths, [...registered.map((m) => `/api/${m}`), '/api/openapi.json'].sort());
  });

  it('names both key headers the node accepts, and requires one of them', () => {
    const schemes = (doc['components'] as Obj)['securitySchemes'] as Obj;
    assert.deepEqual(
      Object.values(schemes).map((s) => [(s as Obj)['in'], (s as Obj)['name']]),
      [
        ['header', 'X-API-Key'],
        ['header', 'Authorization'],
      ],
    );
    assert.deepEqual(doc['security'], [{ ApiKeyHeader: [] }, { ApiKeyAuthorization: [] }]);
  });

  it('states this node body limit in its 413 response', () => {
    const responses = (doc['components'] as Obj)['responses'] as Obj;
    assert.match((responses['PayloadTooLarge'] as Obj)['description'] as string, /12345 bytes/);
  });

  it('needs the API key: 401 without it, served with Authorization: apikey', async () => {
    const none = await rawRequest(node, '/api/openapi.json');
    assert.equal(none.status, 401);
    assert.equal((none.body as { error: { code: number } }).error.code, 101);
    const wrong = await rawRequest(node, '/api/openapi.json', { headers: { 'x-api-key': 'wrong' } });
    assert.equal(wrong.status, 401);
    const other = await rawRequest(node, '/api/openapi.json', {
      headers: { authorization: `apikey ${TEST_API_KEY}` },
    });
    assert.equal(other.status, 200);
    assert.deepEqual(other.body, doc);
  });

  it('answers GET and HEAD only', async () => {
    const headers = { 'x-api-key': TEST_API_KEY };
    const post = await rawRequest(node, '/api/openapi.json', { method: 'POST', headers, body: '{}' });
    assert.equal(post.status, 405);
    assert.equal((post.body as { error: { code: number } }).error.code, 107);
    const head = await fetch(`${node.baseUrl}/api/openapi.json`, { method: 'HEAD', headers });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-type'), 'application/json');
    assert.equal(await head.text(), '');
  });
});

describe('GET /api/openapi.json with http_api.insecure', () => {
  const t = setup();
  let node: TestNode;
  before(async () => {
    node = await t.node({ http_api: { key: '', insecure: true } });
  });
  after(() => t.cleanup());

  it('is served without a key and says no key is needed', async () => {
    const res = await rawRequest(node, '/api/openapi.json');
    assert.equal(res.status, 200);
    const doc = res.body as Doc;
    assert.deepEqual(checkOpenApi31(doc), []);
    assert.deepEqual(doc['security'], []);
    const statuses = Object.keys(
      ((doc['paths'] as Obj)['/api/publish'] as { post: { responses: Obj } }).post.responses,
    );
    assert.ok(!statuses.includes('401'), `no 401 documented: ${statuses.join(', ')}`);
    const publish = await rawRequest(node, '/api/publish', {
      method: 'POST',
      body: '{"channel":"news","data":1}',
    });
    assert.equal(publish.status, 200);
  });
});
