/** Runs one API call (or a batch of them) and turns failures into API error objects. */
import { ErrorCode } from '../protocol/codes.js';
import type { Params } from '../protocol/params.js';
import { internalError, toProtocolError } from '../protocol/to-protocol-error.js';
import type { ApiContext } from './context.js';
import { apiMethods } from './methods/index.js';

/** Most commands in one `batch`. */
export const MAX_BATCH = 1000;

/** What one API call answers: its result as JSON text, or an error. */
export type CallOutcome =
  | { result: string }
  | { error: { code: number; message: string; temporary?: boolean } };

/**
 * What `batch` answers: the body itself on success (`{"replies":[...]}`, at the top level as
 * Centrifugo sends it, so Centrifugo's API clients read it), or an error of the whole batch.
 */
export type BatchOutcome =
  | { body: string }
  | { error: { code: number; message: string; temporary?: boolean } };

function isParams(value: unknown): value is Params {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Runs one API method; its failures come back as an API error object, never thrown. */
export async function callMethod(ctx: ApiContext, method: string, params: unknown): Promise<CallOutcome> {
  const fn = apiMethods.get(method);
  if (fn === undefined)
    return { error: { code: ErrorCode.MethodNotFound, message: `method not found: ${method}` } };
  if (!isParams(params))
    return { error: { code: ErrorCode.BadRequest, message: 'bad request: params must be an object' } };
  try {
    return { result: await fn(ctx, params) };
  } catch (error) {
    const wire = toProtocolError(error);
    if (wire !== undefined) return { error: wire };
    ctx.log.error({ err: error, method }, 'api call failed');
    return { error: internalError() };
  }
}

/**
 * `batch`: `{"commands":[{"publish":{...}}, {"method":"info","params":{}}]}`.
 * Every command is started in order without waiting for the one before, so the engine pipelines
 * them (one Redis round trip for the whole batch) while the publications of a channel keep their
 * order: a channel's commands travel on one connection and run in the order sent. Replies come back
 * in command order, as `{"replies":[...]}` without a `result` wrapper (Centrifugo's shape).
 * `parallel` is accepted for compatibility; it changes nothing.
 */
export async function callBatch(ctx: ApiContext, params: unknown): Promise<BatchOutcome> {
  if (!isParams(params) || !Array.isArray(params['commands'])) {
    return { error: { code: ErrorCode.BadRequest, message: 'bad request: "commands" must be an array' } };
  }
  const commands = params['commands'] as unknown[];
  if (commands.length > MAX_BATCH) {
    return {
      error: { code: ErrorCode.LimitExceeded, message: `limit exceeded: at most ${MAX_BATCH} commands` },
    };
  }
  const run = async (command: unknown): Promise<string> => {
    const outcome = await callOne(ctx, command);
    return encodeBatchReply(outcome);
  };
  const replies = await Promise.all(commands.map(run));
  return { body: `{"replies":[${replies.join(',')}]}` };
}

async function callOne(ctx: ApiContext, command: unknown): Promise<CallOutcome & { method?: string }> {
  if (!isParams(command))
    return { error: { code: ErrorCode.BadRequest, message: 'bad request: command must be an object' } };
  if (typeof command['method'] === 'string') {
    const method = command['method'];
    if (method === 'batch')
      return { error: { code: ErrorCode.BadRequest, message: 'bad request: batch cannot nest' } };
    return { method, ...(await callMethod(ctx, method, command['params'] ?? {})) };
  }
  const keys = Object.keys(command);
  if (keys.length !== 1) {
    return {
      error: { code: ErrorCode.BadRequest, message: 'bad request: command must carry exactly one method' },
    };
  }
  const method = keys[0]!;
  if (method === 'batch')
    return { error: { code: ErrorCode.BadRequest, message: 'bad request: batch cannot nest' } };
  return { method, ...(await callMethod(ctx, method, command[method])) };
}

function encodeBatchReply(outcome: CallOutcome & { method?: string }): string {
  if ('error' in outcome) return JSON.stringify({ error: outcome.error });
  return `{${JSON.stringify(outcome.method)}:${outcome.result}}`;
}
