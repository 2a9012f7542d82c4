import { checkPublicationSize } from '../../gateway/size-limits.js';
import { optionalString, type Params, requireData } from '../../protocol/params.js';
import type { ApiContext } from '../context.js';
import { requireUser } from './connections.js';

/**
 * `send`: an asynchronous message to a user's connections on every node, pushed as `message` (the
 * SDK's `message` event); `client` narrows it to one connection. Not a Centrifugo v6 method (it has
 * none): a Switchboard extension with the parameter names of Centrifugo's user-targeted methods.
 * Nothing is stored: a connection that is not connected at that moment never gets it. The data is
 * bounded like a publication's (error 106), since it lands in the same outbound queues.
 */
export async function send(ctx: ApiContext, params: Params): Promise<string> {
  const user = requireUser(params);
  // Always JSON text here: the JSON API's `data` is a parsed JSON value, never bytes.
  const { data } = requireData(params);
  const client = optionalString(params, 'client') || undefined;
  checkPublicationSize(ctx.config.client, { data });
  await ctx.control(
    client === undefined ? { type: 'message', user, data } : { type: 'message', user, client, data },
  );
  return '{}';
}
