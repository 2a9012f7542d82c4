/**
 * The subscribe proxy (Centrifugo's `SubscribeHandler`): the backend allows a subscribe (with an
 * expiry, channel info, data for the client and option overrides), or refuses it with an error or
 * a disconnect.
 */
import type { ProxyPayload, SubscribeProxyOutcome } from '../../gateway/proxy-port.js';
import type { Session } from '../../gateway/session.js';
import { integer, jsonValue } from '../decode.js';
import type { ProxyEndpoint } from '../endpoint.js';
import { baseRequest, putPayload } from '../request.js';
import { ask } from './ask.js';
import { channelOverride } from './connect.js';

export function proxySubscribe(
  endpoint: ProxyEndpoint,
  session: Session,
  channel: string,
  token: string | undefined,
  data: ProxyPayload | undefined,
): Promise<SubscribeProxyOutcome> {
  const request = baseRequest(session, endpoint.config);
  request['channel'] = channel;
  if (token !== undefined && token !== '') request['token'] = token;
  putPayload(request, data, endpoint.config);
  return ask(endpoint, 'subscribe', session, request, (result) => {
    const outcome: SubscribeProxyOutcome = { expireAt: 0 };
    if (result === undefined) return outcome;
    outcome.expireAt = integer(result, 'expire_at');
    const info = jsonValue(result, 'info', 'b64info');
    if (info !== undefined) outcome.info = info;
    const value = jsonValue(result, 'data', 'b64data');
    if (value !== undefined) outcome.data = value;
    const override = channelOverride(result);
    if (override !== undefined) outcome.override = override;
    return outcome;
  });
}
