/**
 * Shared by the OpenAPI tests: the node's description fetched as a client would, the schemas of an
 * operation looked up in it, and a call whose request and answer are both checked against them.
 */
import assert from 'node:assert/strict';
import { TEST_API_KEY, type TestNode } from '../harness/index.js';
import { postApi, rawRequest } from './helpers.js';
import { resolveRef, validate } from './openapi-schema-check.js';

export type Doc = Record<string, unknown>;
type Obj = Record<string, unknown>;

/** `GET /api/openapi.json` with the test key. */
export async function fetchDescription(node: TestNode): Promise<Doc> {
  const res = await rawRequest(node, '/api/openapi.json', { headers: { 'x-api-key': TEST_API_KEY } });
  assert.equal(res.status, 200);
  assert.equal(res.contentType, 'application/json');
  return res.body as Doc;
}

/** The POST operation of `/api/<method>`. */
export function operation(doc: Doc, method: string): Obj {
  const item = (doc['paths'] as Obj)[`/api/${method}`] as Obj | undefined;
  assert.ok(item?.['post'] !== undefined, `the description has no POST /api/${method}`);
  return item['post'] as Obj;
}

/** The request body schema of a method. */
export function requestSchema(doc: Doc, method: string): unknown {
  const body = operation(doc, method)['requestBody'] as Obj;
  return ((body['content'] as Obj)['application/json'] as Obj)['schema'];
}

/** The schema of a method's answer with `status`, following a response `$ref`; fails when undocumented. */
export function responseSchema(doc: Doc, method: string, status: number): unknown {
  let response = (operation(doc, method)['responses'] as Obj)[String(status)] as Obj | undefined;
  assert.ok(response !== undefined, `status ${status} of ${method} is not documented`);
  if (typeof response['$ref'] === 'string') response = resolveRef(doc, response['$ref']) as Obj;
  return ((response['content'] as Obj)['application/json'] as Obj)['schema'];
}

/** Fails with every error of `value` against `schema`. */
export function assertValid(doc: Doc, schema: unknown, value: unknown, what: string): void {
  const errors = validate(schema, value, doc);
  assert.deepEqual(errors, [], `${what}: ${JSON.stringify(value)}`);
}

/** Which methods answered a result and which an error, to check every one was exercised. */
export const exercised = { result: new Set<string>(), error: new Set<string>() };

/**
 * A call checked both ways: the request against the method's request schema (valid, or with
 * `invalidRequest` refused by it), the answer against the documented answer for its status.
 * Resolves with the answer's body.
 */
export async function checkedCall(
  node: TestNode,
  doc: Doc,
  method: string,
  params: unknown,
  options: { invalidRequest?: boolean } = {},
): Promise<Obj> {
  const requestErrors = validate(requestSchema(doc, method), params, doc);
  if (options.invalidRequest === true)
    assert.ok(requestErrors.length > 0, `the request schema of ${method} accepts ${JSON.stringify(params)}`);
  else assert.deepEqual(requestErrors, [], `request of ${method}`);
  const res = await postApi(node, method, JSON.stringify(params));
  assertValid(doc, responseSchema(doc, method, res.status), res.body, `answer ${res.status} of ${method}`);
  const body = res.body as Obj;
  exercised[body['error'] === undefined ? 'result' : 'error'].add(method);
  return body;
}
