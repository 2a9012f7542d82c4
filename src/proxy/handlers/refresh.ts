/**
 * The refresh and sub_refresh proxies (Centrifugo's `RefreshHandler`, `SubRefreshHandler`): the
 * node asks the backend when a connection or subscription expires; it answers `expired`, or a new
 * `expire_at` with maybe new info (and, for connections, meta). As in Centrifugo, a backend that
 * cannot be asked (or answers an error or garbage) extends the expiry by a minute, so an outage
 * disconnects nobody; no result at all means expired. A disconnect the backend asks for is made.
 */
import type { RefreshOutcome } from '../../gateway/proxy-port.js';
import type { Session } from '../../gateway/session.js';
import { CommandError } from '../../protocol/errors.js';
import { type ProxyKind, ProxyUnavailableError } from '../caller.js';
import { BadResultError, bool, integer, jsonText, jsonValue } from '../decode.js';
import type { ProxyEndpoint } from '../endpoint.js';
import { baseRequest } from '../request.js';

/** The extension given while the backend cannot answer: a minute, as Centrifugo gives. */
export const FALLBACK_EXTENSION_S = 60;

function fallback(): RefreshOutcome {
  return { expired: false, expireAt: Math.floor(Date.now() / 1000) + FALLBACK_EXTENSION_S };
}

async function askRefresh(
  endpoint: ProxyEndpoint,
  kind: ProxyKind,
  session: Session,
  channel: string | undefined,
): Promise<RefreshOutcome> {
  const request = baseRequest(session, endpoint.config);
  if (channel !== undefined) request['channel'] = channel;
  let result: Record<string, unknown> | undefined;
  try {
    result = await endpoint.invoke(kind, session, request);
  } catch (error) {
    // Down, slow, or an error reply (the client cannot be answered with it): try again in a minute.
    if (error instanceof ProxyUnavailableError || error instanceof CommandError) return fallback();
    throw error;
  }
  if (result === undefined) return { expired: true, expireAt: 0 };
  try {
    if (bool(result, 'expired')) return { expired: true, expireAt: 0 };
    const outcome: RefreshOutcome = { expired: false, expireAt: integer(result, 'expire_at') };
    const info = jsonValue(result, 'info', 'b64info');
    if (info !== undefined) outcome.info = info;
    if (channel === undefined) {
      const meta = jsonText(result, 'meta');
      if (meta !== undefined) outcome.meta = meta;
    }
    return outcome;
  } catch (error) {
    if (!(error instanceof BadResultError)) throw error;
    endpoint.badResult(kind, session, error);
    return fallback();
  }
}

export function proxyRefresh(endpoint: ProxyEndpoint, session: Session): Promise<RefreshOutcome> {
  return askRefresh(endpoint, 'refresh', session, undefined);
}

export function proxySubRefresh(
  endpoint: ProxyEndpoint,
  session: Session,
  channel: string,
): Promise<RefreshOutcome> {
  return askRefresh(endpoint, 'sub_refresh', session, channel);
}
