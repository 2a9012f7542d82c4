/**
 * A structural check of an OpenAPI 3.1 document, written from the rules of the official schema
 * (https://spec.openapis.org/oas/3.1/schema/2022-10-07) for the objects a server API description
 * holds: the root, info, license, server, tag, paths, path item, operation, request body, media
 * type, responses, response, reference, components, security scheme and requirement. As in the
 * official schema every object refuses fields it does not define (but `x-` extensions), required
 * fields and their types are checked, and so are what the schema cannot say: every `$ref`
 * resolves, operation ids are unique, security requirements and tags name declared ones. Component
 * schemas are checked with `openapi-schema-check.ts`.
 */
import { checkSchema, resolveRef } from './openapi-schema-check.js';

type Json = unknown;
type Obj = Record<string, Json>;

const isObject = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects the errors of one document. */
class Checker {
  readonly errors: string[] = [];
  readonly operationIds = new Set<string>();
  readonly usedTags = new Set<string>();

  constructor(readonly root: Obj) {}

  fail(at: string, what: string): void {
    this.errors.push(`${at}: ${what}`);
  }

  /** `value` is an object with only `fields` (and `x-` extensions) and every one of `required`. */
  object(at: string, value: Json, fields: readonly string[], required: readonly string[] = []): value is Obj {
    if (!isObject(value)) {
      this.fail(at, 'must be an object');
      return false;
    }
    for (const key of Object.keys(value))
      if (!fields.includes(key) && !key.startsWith('x-')) this.fail(`${at}.${key}`, 'field not allowed');
    for (const key of required) if (!Object.hasOwn(value, key)) this.fail(at, `missing required "${key}"`);
    return true;
  }

  strings(at: string, value: Obj, fields: readonly string[]): void {
    for (const key of fields)
      if (key in value && typeof value[key] !== 'string') this.fail(`${at}.${key}`, 'must be a string');
  }

  boolean(at: string, value: Obj, field: string): void {
    if (field in value && typeof value[field] !== 'boolean') this.fail(`${at}.${field}`, 'must be a boolean');
  }

  /** A Reference Object, or else what `check` says; returns the target for a reference. */
  orReference(at: string, value: Json, check: (at: string, v: Json) => void): void {
    if (isObject(value) && '$ref' in value) {
      this.object(at, value, ['$ref', 'summary', 'description'], ['$ref']);
      if (typeof value['$ref'] !== 'string' || resolveRef(this.root, value['$ref']) === undefined)
        this.fail(`${at}.$ref`, `does not resolve: ${String(value['$ref'])}`);
      return;
    }
    check(at, value);
  }

  info(at: string, v: Json): void {
    if (
      !this.object(
        at,
        v,
        ['title', 'summary', 'description', 'termsOfService', 'contact', 'license', 'version'],
        ['title', 'version'],
      )
    )
      return;
    this.strings(at, v, ['title', 'summary', 'description', 'termsOfService', 'version']);
    if ('license' in v) {
      const license = v['license'];
      if (this.object(`${at}.license`, license, ['name', 'identifier', 'url'], ['name'])) {
        this.strings(`${at}.license`, license, ['name', 'identifier', 'url']);
        if ('identifier' in license === 'url' in license)
          this.fail(`${at}.license`, 'needs exactly one of identifier and url');
      }
    }
  }

  server(at: string, v: Json): void {
    if (this.object(at, v, ['url', 'description', 'variables'], ['url']))
      this.strings(at, v, ['url', 'description']);
  }

  tag(at: string, v: Json): void {
    if (this.object(at, v, ['name', 'description', 'externalDocs'], ['name']))
      this.strings(at, v, ['name', 'description']);
  }

  schema(at: string, v: Json): void {
    for (const e of checkSchema(v, this.root, at)) this.errors.push(e);
  }

  content(at: string, v: Json): void {
    if (!isObject(v)) {
      this.fail(at, 'must be an object of media types');
      return;
    }
    for (const [type, media] of Object.entries(v)) {
      const where = `${at}["${type}"]`;
      if (!/^[\w.+-]+\/[\w.+*-]+$/.test(type)) this.fail(where, 'not a media range');
      if (this.object(where, media, ['schema', 'example', 'examples', 'encoding']) && 'schema' in media)
        this.schema(`${where}.schema`, media['schema']);
    }
  }

  response(at: string, v: Json): void {
    if (!this.object(at, v, ['description', 'headers', 'content', 'links'], ['description'])) return;
    this.strings(at, v, ['description']);
    if ('content' in v) this.content(`${at}.content`, v['content']);
  }

  responses(at: string, v: Json): void {
    if (!isObject(v) || Object.keys(v).length === 0) {
      this.fail(at, 'must be a non-empty object');
      return;
    }
    for (const [status, response] of Object.entries(v)) {
      if (status !== 'default' && !/^[1-5](?:[0-9]{2}|XX)$/.test(status) && !status.startsWith('x-'))
        this.fail(`${at}.${status}`, 'not a status code');
      this.orReference(`${at}.${status}`, response, (a, r) => this.response(a, r));
    }
  }

  requestBody(at: string, v: Json): void {
    if (!this.object(at, v, ['description', 'content', 'required'], ['content'])) return;
    this.strings(at, v, ['description']);
    this.boolean(at, v, 'required');
    this.content(`${at}.content`, v['content']);
  }

  operation(at: string, v: Json): void {
    const fields = [
      'tags',
      'summary',
      'description',
      'externalDocs',
      'operationId',
      'parameters',
      'requestBody',
      'responses',
      'callbacks',
      'deprecated',
      'security',
      'servers',
    ];
    if (!this.object(at, v, fields)) return;
    this.strings(at, v, ['summary', 'description', 'operationId']);
    this.boolean(at, v, 'deprecated');
    if (typeof v['operationId'] === 'string') {
      if (this.operationIds.has(v['operationId']))
        this.fail(`${at}.operationId`, `${v['operationId']} is not unique`);
      this.operationIds.add(v['operationId']);
    }
    if ('tags' in v) {
      if (!Array.isArray(v['tags']) || !v['tags'].every((t) => typeof t === 'string'))
        this.fail(`${at}.tags`, 'must be strings');
      else for (const t of v['tags']) this.usedTags.add(t);
    }
    if ('requestBody' in v)
      this.orReference(`${at}.requestBody`, v['requestBody'], (a, b) => this.requestBody(a, b));
    // The official schema leaves `responses` optional; an operation without any describes nothing.
    if (!('responses' in v)) this.fail(at, 'missing "responses"');
    else this.responses(`${at}.responses`, v['responses']);
    if ('security' in v) this.security(`${at}.security`, v['security']);
  }

  paths(at: string, v: Json): void {
    if (!isObject(v)) {
      this.fail(at, 'must be an object');
      return;
    }
    for (const [path, item] of Object.entries(v)) {
      const where = `${at}["${path}"]`;
      if (!path.startsWith('/')) {
        if (!path.startsWith('x-')) this.fail(where, 'a path must start with /');
        continue;
      }
      const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
      if (!this.object(where, item, ['summary', 'description', 'servers', 'parameters', ...methods]))
        continue;
      for (const method of methods) if (method in item) this.operation(`${where}.${method}`, item[method]);
    }
  }

  securityScheme(at: string, v: Json): void {
    if (!isObject(v)) {
      this.fail(at, 'must be an object');
      return;
    }
    const type = v['type'];
    const extra: Record<string, string[]> = {
      apiKey: ['name', 'in'],
      http: ['scheme', 'bearerFormat'],
      mutualTLS: [],
      oauth2: ['flows'],
      openIdConnect: ['openIdConnectUrl'],
    };
    if (typeof type !== 'string' || !(type in extra)) {
      this.fail(`${at}.type`, 'not a security scheme type');
      return;
    }
    const required =
      type === 'apiKey' ? ['type', 'name', 'in'] : type === 'http' ? ['type', 'scheme'] : ['type'];
    if (!this.object(at, v, ['type', 'description', ...extra[type]!], required)) return;
    this.strings(at, v, ['description', 'name']);
    if (type === 'apiKey' && !['query', 'header', 'cookie'].includes(v['in'] as string))
      this.fail(`${at}.in`, 'must be query, header or cookie');
  }

  security(at: string, v: Json): void {
    if (!Array.isArray(v)) {
      this.fail(at, 'must be an array');
      return;
    }
    const schemes = isObject(this.root['components'])
      ? this.root['components']['securitySchemes']
      : undefined;
    for (const [i, requirement] of v.entries()) {
      if (!isObject(requirement)) {
        this.fail(`${at}[${i}]`, 'must be an object');
        continue;
      }
      for (const [name, scopes] of Object.entries(requirement)) {
        if (!isObject(schemes) || !(name in schemes))
          this.fail(`${at}[${i}].${name}`, 'names no security scheme');
        if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string'))
          this.fail(`${at}[${i}].${name}`, 'must be an array of strings');
      }
    }
  }

  components(at: string, v: Json): void {
    const kinds = [
      'schemas',
      'responses',
      'parameters',
      'examples',
      'requestBodies',
      'headers',
      'securitySchemes',
      'links',
      'callbacks',
      'pathItems',
    ];
    if (!this.object(at, v, kinds)) return;
    for (const kind of kinds) {
      if (!(kind in v)) continue;
      const map = v[kind];
      if (!isObject(map)) {
        this.fail(`${at}.${kind}`, 'must be an object');
        continue;
      }
      for (const [name, item] of Object.entries(map)) {
        const where = `${at}.${kind}.${name}`;
        if (!/^[a-zA-Z0-9._-]+$/.test(name)) this.fail(where, 'not a valid component name');
        if (kind === 'schemas') this.schema(`#/components/schemas/${name}`, item);
        else if (kind === 'responses') this.orReference(where, item, (a, r) => this.response(a, r));
        else if (kind === 'securitySchemes')
          this.orReference(where, item, (a, s) => this.securityScheme(a, s));
        else this.fail(where, 'a component kind this check does not cover');
      }
    }
  }
}

/** Every structural error of `doc` as an OpenAPI 3.1 document; empty when there is none. */
export function checkOpenApi31(doc: Json): string[] {
  if (!isObject(doc)) return ['$: the document must be an object'];
  const c = new Checker(doc);
  const fields = [
    'openapi',
    'info',
    'jsonSchemaDialect',
    'servers',
    'paths',
    'webhooks',
    'components',
    'security',
    'tags',
    'externalDocs',
  ];
  c.object('$', doc, fields, ['openapi', 'info']);
  if (typeof doc['openapi'] !== 'string' || !/^3\.1\.\d+(-.+)?$/.test(doc['openapi']))
    c.fail('$.openapi', 'must be 3.1.x');
  if (!('paths' in doc) && !('components' in doc) && !('webhooks' in doc))
    c.fail('$', 'needs paths, components or webhooks');
  c.info('$.info', doc['info']);
  if ('servers' in doc) {
    if (!Array.isArray(doc['servers'])) c.fail('$.servers', 'must be an array');
    else for (const [i, s] of doc['servers'].entries()) c.server(`$.servers[${i}]`, s);
  }
  const declaredTags = new Set<string>();
  if ('tags' in doc) {
    if (!Array.isArray(doc['tags'])) c.fail('$.tags', 'must be an array');
    else {
      for (const [i, t] of doc['tags'].entries()) {
        c.tag(`$.tags[${i}]`, t);
        const name = isObject(t) ? t['name'] : undefined;
        if (typeof name === 'string') {
          if (declaredTags.has(name)) c.fail(`$.tags[${i}]`, `tag ${name} declared twice`);
          declaredTags.add(name);
        }
      }
    }
  }
  if ('components' in doc) c.components('$.components', doc['components']);
  if ('paths' in doc) c.paths('$.paths', doc['paths']);
  if ('security' in doc) c.security('$.security', doc['security']);
  for (const tag of c.usedTags)
    if (!declaredTags.has(tag)) c.fail('$.tags', `operation tag ${tag} is not declared`);
  return c.errors;
}
