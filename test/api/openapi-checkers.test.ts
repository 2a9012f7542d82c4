/**
 * The two checkers the OpenAPI tests rely on catch what they claim to: the JSON Schema subset
 * checker (instances and schemas) keyword by keyword, and the OpenAPI 3.1 structural check on
 * mutations of the node's real document.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildOpenApiDocument } from '../../src/api/openapi/document.js';
import { checkSchema, validate } from './openapi-schema-check.js';
import { checkOpenApi31 } from './openapi-structure.js';

const ok = (schema: unknown, value: unknown, root: unknown = {}) =>
  assert.deepEqual(
    validate(schema, value, root),
    [],
    `${JSON.stringify(value)} should match ${JSON.stringify(schema)}`,
  );
const bad = (schema: unknown, value: unknown, root: unknown = {}) =>
  assert.ok(
    validate(schema, value, root).length > 0,
    `${JSON.stringify(value)} should not match ${JSON.stringify(schema)}`,
  );

describe('JSON Schema subset checker: instances', () => {
  it('type, with integer as a whole number and type lists', () => {
    ok({ type: 'integer' }, 3);
    bad({ type: 'integer' }, 3.5);
    ok({ type: 'number' }, 3.5);
    bad({ type: 'string' }, 1);
    bad({ type: 'object' }, []);
    bad({ type: 'array' }, {});
    bad({ type: 'object' }, null);
    ok({ type: ['string', 'null'] }, null);
    bad({ type: ['string', 'null'] }, true);
  });

  it('true, false and {}', () => {
    ok(true, { any: 1 });
    ok({}, null);
    bad(false, 1);
  });

  it('properties, required and additionalProperties', () => {
    const s = {
      type: 'object',
      properties: { a: { type: 'string' } },
      required: ['a'],
      additionalProperties: false,
    };
    ok(s, { a: 'x' });
    bad(s, {});
    bad(s, { a: 1 });
    bad(s, { a: 'x', b: 1 });
    const open = { type: 'object', properties: { a: { type: 'string' } } };
    ok(open, { b: 1 });
    const map = {
      type: 'object',
      additionalProperties: { type: 'string' },
      propertyNames: { type: 'string', minLength: 2 },
    };
    ok(map, { ab: 'x' });
    bad(map, { ab: 1 });
    bad(map, { a: 'x' });
  });

  it('items, minItems and maxItems', () => {
    const s = { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 2 };
    ok(s, [1]);
    bad(s, []);
    bad(s, [1, 2, 3]);
    bad(s, [1, 'x']);
  });

  it('anyOf and oneOf', () => {
    const any = { anyOf: [{ type: 'string' }, { type: 'integer' }] };
    ok(any, 'x');
    ok(any, 1);
    bad(any, true);
    const one = { oneOf: [{ type: 'integer' }, { type: 'number' }] };
    ok(one, 1.5);
    bad(one, 1); // both match
  });

  it('const and enum compare JSON values deeply', () => {
    ok({ const: 'publish' }, 'publish');
    bad({ const: 'publish' }, 'info');
    ok({ enum: [{ a: [1] }, 2] }, { a: [1] });
    bad({ enum: [{ a: [1] }, 2] }, { a: [2] });
  });

  it('minimum, maximum, minLength (code points), maxLength, pattern', () => {
    ok({ minimum: -1, maximum: 5 }, -1);
    bad({ minimum: -1 }, -2);
    bad({ maximum: 5 }, 6);
    ok({ minimum: 1 }, 'not a number: not checked');
    ok({ minLength: 1, maxLength: 1 }, '😀');
    bad({ minLength: 1 }, '');
    bad({ maxLength: 2 }, 'abc');
    ok({ pattern: '^[a-z]+$' }, 'abc');
    bad({ pattern: '^[a-z]+$' }, 'ab1');
  });

  it('$ref into the root document, and an unresolved one', () => {
    const root = { components: { schemas: { S: { type: 'string' } } } };
    ok({ $ref: '#/components/schemas/S' }, 'x', root);
    bad({ $ref: '#/components/schemas/S' }, 1, root);
    bad({ $ref: '#/components/schemas/Missing' }, 'x', root);
  });

  it('annotations never invalidate', () => {
    ok(
      { type: 'string', description: 'd', format: 'base64', contentEncoding: 'base64', default: 'x' },
      'not base64!',
    );
  });
});

describe('JSON Schema subset checker: schemas', () => {
  it('accepts the keywords it implements', () => {
    const schema = {
      type: 'object',
      properties: {
        a: { type: ['string', 'null'], minLength: 1, pattern: '^a' },
        b: { anyOf: [{ const: 1 }, { enum: [2] }] },
      },
      required: ['a'],
      additionalProperties: { type: 'array', items: true, maxItems: 3 },
    };
    assert.deepEqual(checkSchema(schema, {}), []);
  });

  it('reports unknown keywords, wrong keyword values and unresolved refs', () => {
    const cases: unknown[] = [
      { unevaluatedProperties: false },
      { type: 'strin' },
      { type: [] },
      { required: ['a', 'a'] },
      { required: 'a' },
      { properties: { a: 1 } },
      { items: 'x' },
      { anyOf: [] },
      { minLength: -1 },
      { maxItems: 1.5 },
      { minimum: '1' },
      { pattern: '(' },
      { enum: [] },
      { description: 1 },
      { $ref: '#/nowhere' },
      { properties: { a: { properties: { b: { if: {} } } } } },
      3,
    ];
    for (const schema of cases)
      assert.ok(checkSchema(schema, {}).length > 0, `${JSON.stringify(schema)} should be reported`);
  });
});

describe('OpenAPI 3.1 structural check', () => {
  const built = buildOpenApiDocument({ insecure: false, max_body_size: 1024 });
  const fresh = (): Record<string, unknown> => structuredClone(built);

  /** Sets (or with DELETE removes) the value at `path` in `doc`. */
  const DELETE = Symbol('delete');
  function edit(doc: Record<string, unknown>, path: string[], value: unknown): void {
    let node = doc;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
    const last = path.at(-1)!;
    if (value === DELETE) delete node[last];
    else node[last] = value;
  }

  it('passes the node document', () => {
    assert.deepEqual(checkOpenApi31(fresh()), []);
  });

  it('catches each kind of mistake', () => {
    const info = ['paths', '/api/info', 'post'];
    const mutations: [string, string[], unknown][] = [
      ['openapi 3.0', ['openapi'], '3.0.3'],
      ['no info.version', ['info', 'version'], DELETE],
      ['license with neither identifier nor url', ['info', 'license', 'identifier'], DELETE],
      ['unknown root field', ['swagger'], '2.0'],
      ['unknown operation field', [...info, 'consumes'], ['application/json']],
      ['bad status code', [...info, 'responses', '2000'], { description: 'x' }],
      ['response without description', [...info, 'responses', '200', 'description'], DELETE],
      ['dangling response $ref', [...info, 'responses', '401'], { $ref: '#/components/responses/Nope' }],
      [
        'dangling schema $ref',
        [...info, 'requestBody', 'content', 'application/json', 'schema'],
        { $ref: '#/x' },
      ],
      ['bad media type', [...info, 'requestBody', 'content', 'json'], {}],
      ['request body without content', [...info, 'requestBody', 'content'], DELETE],
      ['duplicate operationId', [...info, 'operationId'], 'publish'],
      ['path not starting with /', ['paths', 'api/x'], {}],
      ['apiKey scheme without in', ['components', 'securitySchemes', 'ApiKeyHeader', 'in'], DELETE],
      ['apiKey in body', ['components', 'securitySchemes', 'ApiKeyHeader', 'in'], 'body'],
      ['requirement naming no scheme', ['security', '0'], { Bearer: [] }],
      ['undeclared tag', [...info, 'tags'], ['nope']],
      ['bad component name', ['components', 'schemas', 'a b'], {}],
      ['bad component schema', ['components', 'schemas', 'Error', 'properties', 'code', 'type'], 'int'],
      ['operation without responses', [...info, 'responses'], DELETE],
    ];
    for (const [what, path, value] of mutations) {
      const doc = fresh();
      edit(doc, path, value);
      assert.ok(checkOpenApi31(doc).length > 0, `${what} should be reported`);
    }
  });
});
