/**
 * A decoded `*Response` message as a {@link ProxyResponse}: `result`, `error` and `disconnect`
 * each present exactly when the backend set it. An empty `result` message is set, `{}`: Centrifugo
 * tells it from none (a connect result `{}` is an anonymous user, no result no credentials).
 * Inside them are the fields the backend sent, with bytes as `Buffer`s and 64-bit integers as
 * numbers. proto3 encoders leave zero values out, but some (protobufjs) send the ones they were
 * given, so read `''`, `0` and `false` as unset.
 *
 * `code` is 0 when missing from an error or a disconnect (proto3 does not send a zero), so they
 * always match {@link ProxyErrorBody} and {@link ProxyDisconnectBody}.
 */
import type { ProxyDisconnectBody, ProxyErrorBody, ProxyResponse } from '../caller.js';

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** The response in `decoded` (what proto-loader gave); `undefined` when it is not an object at all. */
export function toProxyResponse(decoded: unknown): ProxyResponse | undefined {
  if (!isFields(decoded)) return undefined;
  const response: ProxyResponse = {};
  const { result, error, disconnect } = decoded;
  if (isFields(result)) response.result = result;
  if (isFields(error)) response.error = { ...error, code: numberOr0(error.code) } as ProxyErrorBody;
  if (isFields(disconnect)) {
    response.disconnect = { ...disconnect, code: numberOr0(disconnect.code) } as ProxyDisconnectBody;
  }
  return response;
}

function numberOr0(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}
