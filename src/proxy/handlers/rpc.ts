/**
 * The RPC proxy (Centrifugo's `RPCHandler`): a client's `rpc` goes to the proxy of its RPC
 * namespace — the part of the method before `rpc.namespace_boundary` (`"chat:send"` → `chat`), or
 * `rpc.without_namespace` for a method without one. An unknown namespace is 104 (method not
 * found), a namespace without a proxy 108 (not available), as in Centrifugo.
 */
import type { RpcConfig } from '../../config/proxy-schema.js';
import type { ProxyPayload } from '../../gateway/proxy-port.js';
import type { Session } from '../../gateway/session.js';
import { ErrorCode } from '../../protocol/codes.js';
import { CommandError } from '../../protocol/errors.js';
import { payload } from '../decode.js';
import type { ProxyEndpoint } from '../endpoint.js';
import { baseRequest, putPayload } from '../request.js';
import { ask } from './ask.js';

/** The proxy name an RPC method goes to. */
export function rpcProxyName(rpc: RpcConfig, method: string): string {
  const at = method.indexOf(rpc.namespace_boundary);
  const options =
    at < 0 ? rpc.without_namespace : rpc.namespaces.find((ns) => ns.name === method.slice(0, at));
  if (options === undefined) throw new CommandError(ErrorCode.MethodNotFound);
  if (!options.proxy_enabled) throw new CommandError(ErrorCode.NotAvailable);
  return options.proxy_name;
}

export function proxyRpc(
  endpoint: ProxyEndpoint,
  session: Session,
  method: string,
  data: ProxyPayload | undefined,
): Promise<ProxyPayload | undefined> {
  const request = baseRequest(session, endpoint.config);
  request['method'] = method;
  putPayload(request, data, endpoint.config);
  return ask(endpoint, 'rpc', session, request, (result) =>
    result === undefined ? undefined : payload(result),
  );
}
