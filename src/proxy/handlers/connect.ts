/**
 * The connect proxy (Centrifugo's `ConnectHandler`): a connect without a token is answered by the
 * backend, from the request's cookies and headers, with the user, expiry, info, data for the
 * client, server-side channels (`channels`, or `subs` with per-channel info, data and overrides)
 * and connection meta — or with an error or a disconnect.
 */
import type {
  ChannelOverride,
  ConnectProxyOutcome,
  ConnectProxyRequest,
  ProxySubscription,
} from '../../gateway/proxy-port.js';
import type { Session } from '../../gateway/session.js';
import { BadResultError, bool, integer, jsonText, jsonValue, object, string, stringList } from '../decode.js';
import type { ProxyEndpoint } from '../endpoint.js';
import { baseRequest, putPayload } from '../request.js';
import { ask } from './ask.js';

export function proxyConnect(
  endpoint: ProxyEndpoint,
  session: Session,
  req: ConnectProxyRequest,
): Promise<ConnectProxyOutcome | undefined> {
  const request = baseRequest(session, endpoint.config, false);
  if (req.name !== '') request['name'] = req.name;
  if (req.version !== '') request['version'] = req.version;
  if (req.channels.length > 0) request['channels'] = req.channels;
  putPayload(request, req.data, endpoint.config);
  return ask(endpoint, 'connect', session, request, (result) =>
    result === undefined ? undefined : decodeConnect(result),
  );
}

function decodeConnect(result: Record<string, unknown>): ConnectProxyOutcome {
  const subs = new Map<string, ProxySubscription>();
  for (const channel of stringList(result, 'channels')) subs.set(channel, {});
  const given = object(result, 'subs');
  if (given !== undefined) {
    for (const [channel, value] of Object.entries(given)) {
      if (typeof value !== 'object' || value === null)
        throw new BadResultError('"subs" entries must be objects');
      subs.set(channel, subscription(value as Record<string, unknown>));
    }
  }
  const outcome: ConnectProxyOutcome = {
    user: string(result, 'user') ?? '',
    expireAt: integer(result, 'expire_at'),
    subs,
  };
  const info = jsonValue(result, 'info', 'b64info');
  if (info !== undefined) outcome.info = info;
  const data = jsonValue(result, 'data', 'b64data');
  if (data !== undefined) outcome.data = data;
  const meta = jsonText(result, 'meta');
  if (meta !== undefined) outcome.meta = meta;
  return outcome;
}

/** A `subs` entry: Centrifugo's `SubscribeOptions`. */
function subscription(options: Record<string, unknown>): ProxySubscription {
  const sub: ProxySubscription = {};
  const info = jsonValue(options, 'info', 'b64info');
  if (info !== undefined) sub.info = info;
  const data = jsonValue(options, 'data', 'b64data');
  if (data !== undefined) sub.data = data;
  const override = channelOverride(options);
  if (override !== undefined) sub.override = override;
  return sub;
}

const OVERRIDES = [
  'presence',
  'join_leave',
  'force_push_join_leave',
  'force_recovery',
  'force_positioning',
] as const;

/** Centrifugo's `SubscribeOptionOverride`: each field a `{value: bool}` (BoolValue), absent to keep the namespace's. */
export function channelOverride(result: Record<string, unknown>): ChannelOverride | undefined {
  const given = object(result, 'override');
  if (given === undefined) return undefined;
  const override: ChannelOverride = {};
  for (const key of OVERRIDES) {
    const wrapped = object(given, key);
    if (wrapped !== undefined) override[key] = bool(wrapped, 'value');
  }
  return override;
}
