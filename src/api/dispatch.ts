/** Runs one API call (or a batch of them) and turns failures into API error objects. */
import { EngineUnavailableError } from '../engine/errors.js';
import { CommandError } from '../gateway/errors.js';
import type { GatewayNode } from '../gateway/node.js';
import type { Params } from '../gateway/params.js';
import { ErrorCode } from '../protocol/codes.js';
import { apiMethods } from './methods/index.js';

/** Most commands in one `batch`. */
export const MAX_BATCH = 1000;

export type CallOutcome =
  | { result: string }
  | { error: { code: number; message: string; temporary?: boolean } };

function isParams(value: unknown): value is Params {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function callMethod(node: GatewayNode, method: string, params: unknown): Promise<CallOutcome> {
  const fn = apiMethods.get(method);
  if (fn === undefined)
    return { error: { code: ErrorCode.MethodNotFound, message: `method not found: ${method}` } };
  if (!isParams(params))
    return { error: { code: ErrorCode.BadRequest, message: 'bad request: params must be an object' } };
  try {
    return { result: await fn(node, params) };
  } catch (error) {
    if (error instanceof CommandError) return { error: error.toProtocol() };
    if (error instanceof EngineUnavailableError) {
      return {
        error: { code: ErrorCode.Internal, message: 'engine unavailable, retry later', temporary: true },
      };
    }
    node.log.error({ err: error, method }, 'api call failed');
    return { error: { code: ErrorCode.Internal, message: 'internal server error', temporary: true } };
  }
}

/**
 * `batch`: `{"commands":[{"publish":{...}}, {"method":"info","params":{}}], "parallel": false}`.
 * Sequential by default so publications keep their order; replies come back in command order.
 */
export async function callBatch(node: GatewayNode, params: unknown): Promise<CallOutcome> {
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
    const outcome = await callOne(node, command);
    return encodeBatchReply(outcome);
  };
  let replies: string[];
  if (params['parallel'] === true) {
    replies = await Promise.all(commands.map(run));
  } else {
    replies = [];
    for (const command of commands) replies.push(await run(command));
  }
  return { result: `{"replies":[${replies.join(',')}]}` };
}

async function callOne(node: GatewayNode, command: unknown): Promise<CallOutcome & { method?: string }> {
  if (!isParams(command))
    return { error: { code: ErrorCode.BadRequest, message: 'bad request: command must be an object' } };
  if (typeof command['method'] === 'string') {
    const method = command['method'];
    if (method === 'batch')
      return { error: { code: ErrorCode.BadRequest, message: 'bad request: batch cannot nest' } };
    return { method, ...(await callMethod(node, method, command['params'] ?? {})) };
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
  return { method, ...(await callMethod(node, method, command[method])) };
}

function encodeBatchReply(outcome: CallOutcome & { method?: string }): string {
  if ('error' in outcome) return JSON.stringify({ error: outcome.error });
  return `{${JSON.stringify(outcome.method)}:${outcome.result}}`;
}
