/**
 * A backend's JSON answer read as a proxy response: an object whose `result`, `error` and
 * `disconnect` are objects when present, the error and disconnect with a numeric code. Anything
 * else is garbage, and the caller treats the backend as unavailable.
 */
import type { ProxyResponse } from '../caller.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function validCode(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

export function parseProxyResponse(body: Buffer): ProxyResponse | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  const response: ProxyResponse = {};
  const { result, error, disconnect } = value;
  if (result !== undefined && result !== null) {
    if (!isObject(result)) return undefined;
    response.result = result;
  }
  if (error !== undefined && error !== null) {
    if (!isObject(error) || !validCode(error['code'])) return undefined;
    response.error = {
      code: error['code'],
      message: typeof error['message'] === 'string' ? error['message'] : '',
      temporary: error['temporary'] === true,
    };
  }
  if (disconnect !== undefined && disconnect !== null) {
    if (!isObject(disconnect) || !validCode(disconnect['code'])) return undefined;
    response.disconnect = {
      code: disconnect['code'],
      reason: typeof disconnect['reason'] === 'string' ? disconnect['reason'] : '',
    };
  }
  return response;
}
