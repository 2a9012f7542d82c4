/**
 * The request schemas of the OpenAPI description agree with the node's own parameter checks: for
 * every documented parameter of every method (and the fields of object parameters), a value the
 * schema refuses (a wrong type, one past a bound) is refused by the node with error 107 naming
 * the parameter, and the answer matches the documented error. Generated from the document, so a
 * parameter documented with a type the node does not check that way fails here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setup, type TestNode } from '../harness/index.js';
import { EventBackend, userEventsConfig } from '../user-events/backend.js';
import { postApi } from './helpers.js';
import { assertValid, type Doc, fetchDescription, requestSchema, responseSchema } from './openapi-helpers.js';
import { resolveRef, validate } from './openapi-schema-check.js';

type Obj = Record<string, unknown>;

/** A request each method accepts; the probes change one parameter of it. */
const VALID: Record<string, Obj> = {
  publish: { channel: 'news', data: 1 },
  broadcast: { channels: ['news'], data: 1 },
  subscribe: { user: 'u', channel: 'news' },
  unsubscribe: { user: 'u', channel: 'news' },
  disconnect: { user: 'u' },
  refresh: { user: 'u' },
  send: { user: 'u', data: 1 },
  presence: { channel: 'room:a' },
  presence_stats: { channel: 'room:a' },
  history: { channel: 'room:a' },
  history_remove: { channel: 'room:a' },
  channels: {},
  info: {},
  connections: {},
  online_users: {},
};

/** Values the schema refuses, each with what it tries. */
function refusedValues(schema: Obj): [string, unknown][] {
  const out: [string, unknown][] = [];
  const type = schema['type'];
  const wrongType: Record<string, unknown> = {
    string: 12,
    boolean: 'yes',
    integer: 1.5,
    array: 'x',
    object: 'x',
  };
  if (typeof type === 'string' && type in wrongType) out.push([`not ${type}`, wrongType[type]]);
  if (type === 'integer') out.push(['a string', '1']);
  if (type === 'array') out.push(['an array of numbers', [1]]);
  if (type === 'object' && schema['additionalProperties'] !== undefined)
    out.push(['a wrong value type', { k: 1 }]);
  if (typeof schema['minimum'] === 'number') out.push(['below minimum', schema['minimum'] - 1]);
  if (typeof schema['maximum'] === 'number') out.push(['above maximum', schema['maximum'] + 1]);
  if (schema['minLength'] === 1) out.push(['empty', '']);
  if (typeof schema['maxLength'] === 'number') out.push(['too long', 'a'.repeat(schema['maxLength'] + 1)]);
  if (schema['minItems'] === 1) out.push(['empty', []]);
  if (typeof schema['pattern'] === 'string') out.push(['not matching the pattern', '!!!']);
  return out;
}

/** A value the schema accepts (undefined when this simple generator has none), for the converse probe. */
function acceptedValue(schema: Obj): unknown {
  switch (schema['type']) {
    case 'string': {
      if (typeof schema['pattern'] === 'string')
        return new RegExp(schema['pattern'], 'u').test('AAEC') ? 'AAEC' : undefined;
      return 'x';
    }
    case 'integer':
      return typeof schema['minimum'] === 'number' ? schema['minimum'] : 0;
    case 'boolean':
      return true;
    case 'array':
      return schema['minItems'] === 1 ? ['x'] : [];
    case 'object':
      return {};
    default:
      return schema['type'] === undefined ? 1 : undefined;
  }
}

/**
 * Parameters the schema documents more loosely than the node checks them, on purpose: a `cursor`
 * is any string the previous page returned, which the schema cannot enumerate.
 */
const CHECKED_BEYOND_SCHEMA = new Set(['online_users.cursor']);

/** Every probe of a method: the request, and the parameter its error must name. */
function probes(doc: Doc, method: string): { what: string; field: string; request: Obj }[] {
  const schema = resolveRef(doc, (requestSchema(doc, method) as { $ref: string }).$ref) as Obj;
  const out: { what: string; field: string; request: Obj }[] = [];
  for (const [field, raw] of Object.entries((schema['properties'] ?? {}) as Obj)) {
    const prop = raw as Obj;
    // `b64data` is read only when `data` is absent.
    const base = field === 'b64data' ? { ...VALID[method], data: undefined } : VALID[method]!;
    for (const [what, value] of refusedValues(prop))
      out.push({ what: `${field}: ${what}`, field, request: { ...base, [field]: value } });
    for (const [inner, innerRaw] of Object.entries((prop['properties'] ?? {}) as Obj)) {
      for (const [what, value] of refusedValues(innerRaw as Obj))
        out.push({
          what: `${field}.${inner}: ${what}`,
          field: inner,
          request: { ...base, [field]: { [inner]: value } },
        });
    }
  }
  return out;
}

describe('OpenAPI request schemas against the node parameter checks', () => {
  const t = setup();
  let node: TestNode;
  let doc: Doc;
  before(async () => {
    const backend = t.defer(await new EventBackend().open(), (b) => b.stop());
    node = await t.node({
      channel: { namespaces: [{ name: 'room', presence: true, history_size: 5, history_ttl: '60s' }] },
      ...userEventsConfig(backend),
    });
    doc = await fetchDescription(node);
  });
  after(() => t.cleanup());

  it('every method has a valid base request the node accepts', async () => {
    for (const [method, params] of Object.entries(VALID)) {
      assert.deepEqual(validate(requestSchema(doc, method), params, doc), [], method);
      const res = await postApi(node, method, JSON.stringify(params));
      assert.equal((res.body as Obj)['error'], undefined, `${method}: ${JSON.stringify(res.body)}`);
    }
  });

  it('every value a request schema refuses, the node refuses with 107 naming the parameter', async () => {
    let count = 0;
    for (const method of Object.keys(VALID)) {
      for (const { what, field, request } of probes(doc, method)) {
        const where = `${method} ${what}`;
        assert.ok(
          validate(requestSchema(doc, method), request, doc).length > 0,
          `${where}: the schema accepts it`,
        );
        const res = await postApi(node, method, JSON.stringify(request));
        assert.equal(res.status, 200, where);
        assertValid(doc, responseSchema(doc, method, 200), res.body, where);
        const body = res.body as Obj;
        // broadcast answers per channel.
        const errors =
          method === 'broadcast' && body['result'] !== undefined
            ? ((body['result'] as Obj)['responses'] as Obj[]).map((r) => r['error'] as Obj | undefined)
            : [body['error'] as Obj | undefined];
        for (const error of errors) {
          assert.equal(error?.['code'], 107, `${where}: ${JSON.stringify(body)}`);
          assert.ok(String(error?.['message']).includes(field), `${where}: the message names ${field}`);
        }
        count++;
      }
    }
    // Some 80 probes over the 15 methods; fewer means the document lost parameters or bounds.
    assert.ok(count >= 60, `${count} probes`);
  });

  it('every value a request schema accepts for a parameter, the node accepts for it', async () => {
    let count = 0;
    for (const method of Object.keys(VALID)) {
      const schema = resolveRef(doc, (requestSchema(doc, method) as { $ref: string }).$ref) as Obj;
      for (const [field, raw] of Object.entries((schema['properties'] ?? {}) as Obj)) {
        const value = acceptedValue(raw as Obj);
        if (value === undefined || CHECKED_BEYOND_SCHEMA.has(`${method}.${field}`)) continue;
        const base = field === 'b64data' ? { ...VALID[method], data: undefined } : VALID[method]!;
        const request = { ...base, [field]: value };
        const where = `${method} ${field}: ${JSON.stringify(value)}`;
        assert.deepEqual(validate(requestSchema(doc, method), request, doc), [], where);
        const res = await postApi(node, method, JSON.stringify(request));
        assertValid(doc, responseSchema(doc, method, res.status), res.body, where);
        const error = (res.body as Obj)['error'] as Obj | undefined;
        // Another error (108: presence is off for that channel) is about the channel, not the value.
        assert.notEqual(error?.['code'], 107, `${where}: ${JSON.stringify(res.body)}`);
        count++;
      }
    }
    assert.ok(count >= 40, `${count} probes`);
  });
});
