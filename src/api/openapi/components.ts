/**
 * The `components.schemas` of the OpenAPI description, generated from the zod schemas of the
 * methods (`method-schemas.ts`) with `z.toJSONSchema` as JSON Schema 2020-12, the dialect of
 * OpenAPI 3.1: per method `<Name>Request`, `<Name>Result` and `<Name>Response` (the result or an
 * error), the `batch` shapes built from every method, and the shared shapes.
 */
import { z } from 'zod';
import { MAX_BATCH } from '../dispatch.js';
import {
  ApiErrorSchema,
  ClientInfoSchema,
  ErrorReplySchema,
  HistoryPublicationSchema,
  PublishResultSchema,
} from './common-schemas.js';
import { type MethodName, methodDescriptions } from './method-schemas.js';

/** A JSON Schema as the document carries it. */
export type JsonSchema = Record<string, unknown>;

/** `presence_stats` → `PresenceStats`: the stem of a method's component names. */
export function componentStem(method: string): string {
  return method.replace(/(^|_)([a-z])/g, (_m, _sep: string, c: string) => c.toUpperCase());
}

/** Where a component schema is referenced from the rest of the document. */
export function schemaRef(id: string): { $ref: string } {
  return { $ref: `#/components/schemas/${id}` };
}

const methodNames = Object.keys(methodDescriptions) as MethodName[];

function batchSchemas() {
  const commands = methodNames.flatMap((name) => {
    const { params } = methodDescriptions[name];
    return [
      z.strictObject({ [name]: params }),
      z.object({ method: z.literal(name), params: params.optional() }),
    ];
  });
  const BatchCommand = z
    .union(commands)
    .describe('`{"<method>": params}` or `{"method": "<method>", "params": params}`; `batch` cannot nest.');
  const BatchReply = z
    .union([
      ...methodNames.map((name) => z.strictObject({ [name]: methodDescriptions[name].result })),
      ErrorReplySchema,
    ])
    .describe('`{"<method>": result}` or `{"error": ...}`, in command order.');
  const BatchRequest = z.object({
    commands: z.array(BatchCommand).max(MAX_BATCH).describe(`At most ${MAX_BATCH} commands (more: 106).`),
    parallel: z
      .boolean()
      .optional()
      .describe('Accepted and ignored: commands always run pipelined, in order per channel.'),
  });
  const BatchResult = z.strictObject({ replies: z.array(BatchReply) });
  const BatchResponse = z
    .union([BatchResult, ErrorReplySchema])
    .describe(
      'The replies at the top level (no `result` wrapper, as Centrifugo), or an error of the whole batch.',
    );
  return { BatchCommand, BatchReply, BatchRequest, BatchResult, BatchResponse };
}

/** Every component schema by name, with `$ref`s between them. */
export function componentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  const add = (id: string, schema: z.ZodType) => registry.add(schema, { id });
  add('Error', ApiErrorSchema);
  add('ErrorReply', ErrorReplySchema);
  add('ClientInfo', ClientInfoSchema);
  add('PublishResult', PublishResultSchema);
  add('HistoryPublication', HistoryPublicationSchema);
  for (const name of methodNames) {
    const { params, result } = methodDescriptions[name];
    const stem = componentStem(name);
    add(`${stem}Request`, params);
    // `publish`'s result is PublishResult itself.
    if (!registry.has(result)) add(`${stem}Result`, result);
    const id = registry.get(result)!.id;
    add(
      `${stem}Response`,
      z.union([z.strictObject({ result }), ErrorReplySchema]).describe(`\`{"result": ${id}}\` or an error.`),
    );
  }
  for (const [id, schema] of Object.entries(batchSchemas())) add(id, schema);
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'input',
    uri: (id) => `#/components/schemas/${id}`,
  });
  const out: Record<string, JsonSchema> = {};
  // Each schema arrives as a standalone document; inside OpenAPI it is a component, without them.
  for (const [id, { $schema: _schema, $id: _id, ...rest }] of Object.entries(schemas)) out[id] = rest;
  return out;
}
