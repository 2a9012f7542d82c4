/**
 * One proxy call as the client commands need it: the backend's error or disconnect goes to the
 * client (thrown by `ProxyEndpoint.invoke`), a backend that could not be asked or sent a result
 * that cannot be used is error 100, temporary — the SDK retries, as with Centrifugo's
 * `ErrorInternal` — never a terminal code.
 */
import type { Session } from '../../gateway/session.js';
import { ErrorCode } from '../../protocol/codes.js';
import { CommandError } from '../../protocol/errors.js';
import { type ProxyKind, type ProxyRequest, ProxyUnavailableError } from '../caller.js';
import { BadResultError } from '../decode.js';
import type { ProxyEndpoint } from '../endpoint.js';

/** The client's answer when the backend is unavailable: 100, temporary. */
export function backendUnavailable(): CommandError {
  return new CommandError(ErrorCode.Internal);
}

export async function ask<T>(
  endpoint: ProxyEndpoint,
  kind: ProxyKind,
  session: Session,
  request: ProxyRequest,
  decode: (result: Record<string, unknown> | undefined) => T,
): Promise<T> {
  let result: Record<string, unknown> | undefined;
  try {
    result = await endpoint.invoke(kind, session, request);
  } catch (error) {
    if (error instanceof ProxyUnavailableError) throw backendUnavailable();
    throw error;
  }
  try {
    return decode(result);
  } catch (error) {
    if (!(error instanceof BadResultError)) throw error;
    endpoint.badResult(kind, session, error);
    throw new CommandError(ErrorCode.Internal);
  }
}
