/**
 * The publish proxy (Centrifugo's `PublishHandler`): the backend lets a client publication through
 * as it is or changed (`data`), with publish options (`skip_history`, `tags`, `idempotency_key`,
 * `delta`, `version`, `version_epoch`), or refuses it with an error or a disconnect.
 */
import type { ProxyPayload, PublishProxyOutcome } from '../../gateway/proxy-port.js';
import type { Session } from '../../gateway/session.js';
import { bool, integer, payload, string, stringMap } from '../decode.js';
import type { ProxyEndpoint } from '../endpoint.js';
import { baseRequest, putPayload } from '../request.js';
import { ask } from './ask.js';

export function proxyPublish(
  endpoint: ProxyEndpoint,
  session: Session,
  channel: string,
  data: ProxyPayload,
): Promise<PublishProxyOutcome> {
  const request = baseRequest(session, endpoint.config);
  request['channel'] = channel;
  putPayload(request, data, endpoint.config);
  return ask(endpoint, 'publish', session, request, (result) => {
    if (result === undefined) return { payload: data, skipHistory: false };
    const outcome: PublishProxyOutcome = {
      payload: payload(result) ?? data,
      skipHistory: bool(result, 'skip_history'),
    };
    const tags = stringMap(result, 'tags');
    if (tags !== undefined) outcome.tags = tags;
    const key = string(result, 'idempotency_key');
    if (key !== undefined) outcome.idempotencyKey = key;
    if (bool(result, 'delta')) outcome.delta = true;
    const version = integer(result, 'version');
    if (version > 0) outcome.version = version;
    const epoch = string(result, 'version_epoch');
    if (epoch !== undefined) outcome.versionEpoch = epoch;
    return outcome;
  });
}
