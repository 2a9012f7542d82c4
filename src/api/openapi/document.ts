/**
 * The OpenAPI 3.1 description of the server API, built from the method table (`method-schemas.ts`)
 * and the generated component schemas (`components.ts`): `POST /api/<method>` for every method and
 * `batch`, the API key security schemes the node checks, and the HTTP errors it answers with. A few
 * facts come from the node's configuration: whether a key is needed and the body size limit.
 */
import type { Config } from '../../config/types.js';
import { VERSION } from '../../version.js';
import { componentSchemas, componentStem, type JsonSchema, schemaRef } from './components.js';
import { METHOD_TAGS, type MethodName, methodDescriptions } from './method-schemas.js';

/** Where the node serves the description. */
export const OPENAPI_PATH = '/api/openapi.json';

/** What the description takes from the node's configuration. */
export type OpenApiSettings = Pick<Config['http_api'], 'insecure' | 'max_body_size'>;

const SECURITY = [{ ApiKeyHeader: [] }, { ApiKeyAuthorization: [] }];

const DESCRIPTION = `The HTTP server API of a Switchboard node, compatible with Centrifugo v6's.

Every method is \`POST /api/<method>\` with a JSON object of parameters (an empty body is \`{}\`; unknown
parameters are ignored). Content types: \`application/json\`, any \`*+json\`, \`text/plain\`,
\`application/x-www-form-urlencoded\` or none (the body is read as JSON); others get 415.

A processed call answers HTTP 200 with \`{"result": ...}\`, or \`{"error": {"code", "message"}}\` for a
method-level error (\`batch\`: \`{"replies": [...]}\`). A request refused before the method runs gets a
4xx/5xx status with the same error object. Besides the statuses listed per operation: 404 (code 104)
for a path that names no method, 405 (code 107) for an HTTP method other than POST.

In a cluster any node answers any call for the whole cluster.`;

function httpError(description: string) {
  return {
    description,
    content: { 'application/json': { schema: schemaRef('ErrorReply') } },
  };
}

function errorResponses(settings: OpenApiSettings) {
  return {
    BadRequest: httpError('The body is not valid JSON (code 107).'),
    ...(settings.insecure
      ? {}
      : { Unauthorized: httpError('Missing or wrong API key, or no `http_api.key` configured (code 101).') }),
    PayloadTooLarge: httpError(
      `The body is larger than \`http_api.max_body_size\`, ${settings.max_body_size} bytes on this node (code 107).`,
    ),
    UnsupportedMediaType: httpError(
      'A content type that cannot carry JSON, such as multipart or XML (code 107).',
    ),
    InternalError: httpError('An unexpected failure (code 100).'),
  };
}

const STATUS_OF = {
  BadRequest: '400',
  Unauthorized: '401',
  PayloadTooLarge: '413',
  UnsupportedMediaType: '415',
  InternalError: '500',
} as const;

function errorRefs(settings: OpenApiSettings): Record<string, { $ref: string }> {
  const refs: Record<string, { $ref: string }> = {};
  for (const name of Object.keys(errorResponses(settings)) as (keyof typeof STATUS_OF)[])
    refs[STATUS_OF[name]] = { $ref: `#/components/responses/${name}` };
  return refs;
}

function postOperation(
  operationId: string,
  fields: { tag: string; summary: string; description: string },
  stem: string,
  schemas: Record<string, JsonSchema>,
  settings: OpenApiSettings,
) {
  // A body may be left out when nothing in it is required (it then reads as `{}`).
  const required = ((schemas[`${stem}Request`]?.['required'] as unknown[] | undefined) ?? []).length > 0;
  return {
    post: {
      operationId,
      tags: [fields.tag],
      summary: fields.summary,
      description: fields.description,
      requestBody: {
        required,
        content: { 'application/json': { schema: schemaRef(`${stem}Request`) } },
      },
      responses: {
        '200': {
          description: 'The call was processed: its result, or a method-level error.',
          content: { 'application/json': { schema: schemaRef(`${stem}Response`) } },
        },
        ...errorRefs(settings),
      },
    },
  };
}

/** The description as a JSON-ready object. */
export function buildOpenApiDocument(settings: OpenApiSettings): Record<string, unknown> {
  const schemas = componentSchemas();
  const paths: Record<string, unknown> = {};
  for (const name of Object.keys(methodDescriptions) as MethodName[]) {
    paths[`/api/${name}`] = postOperation(
      name,
      methodDescriptions[name],
      componentStem(name),
      schemas,
      settings,
    );
  }
  paths['/api/batch'] = postOperation(
    'batch',
    {
      tag: 'batch',
      summary: 'Run several commands in one request',
      description:
        'Commands start in order and are pipelined; a failing command does not stop the others. Error 106 for more than the maximum of commands.',
    },
    'Batch',
    schemas,
    settings,
  );
  paths[OPENAPI_PATH] = {
    get: {
      operationId: 'openapi',
      tags: ['description'],
      summary: 'This description',
      description: 'Served with the same API key as the methods it describes.',
      responses: {
        '200': {
          description: 'The OpenAPI 3.1 document.',
          content: { 'application/json': { schema: { type: 'object' } } },
        },
        ...(settings.insecure ? {} : { '401': { $ref: '#/components/responses/Unauthorized' } }),
      },
    },
  };
  const tags = [
    ...Object.entries(METHOD_TAGS).map(([name, description]) => ({ name, description })),
    { name: 'batch', description: 'Several commands in one request.' },
    { name: 'description', description: 'This OpenAPI document.' },
  ];
  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchboard server API',
      version: VERSION,
      description: DESCRIPTION,
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'The node serving this document.' }],
    tags,
    // With `http_api.insecure` no key is needed.
    security: settings.insecure ? [] : SECURITY,
    paths,
    components: {
      schemas,
      responses: errorResponses(settings),
      securitySchemes: {
        ApiKeyHeader: {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description:
            'The `http_api.key` (or one of `http_api.extra_keys`); used when both headers are sent.',
        },
        ApiKeyAuthorization: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'The word `apikey` (any case), a space and the key: `Authorization: apikey <key>`.',
        },
      },
    },
  };
}
