import { checkPublicationSize } from '../../gateway/size-limits.js';
import { ErrorCode } from '../../protocol/codes.js';
import { CommandError } from '../../protocol/errors.js';
import {
  optionalBase64Data,
  optionalBoolean,
  optionalInteger,
  optionalString,
  optionalStringArray,
  optionalStringMap,
  type Params,
  type PublicationData,
  requireData,
  requireString,
} from '../../protocol/params.js';
import { toProtocolError } from '../../protocol/to-protocol-error.js';
import type { Publication } from '../../protocol/types.js';
import type { ApiContext } from '../context.js';

/** `data` (JSON), or else `b64data` (bytes as base64), as Centrifugo's publish and broadcast take them. */
function publicationData(params: Params): PublicationData {
  return params['data'] === undefined
    ? (optionalBase64Data(params) ?? requireData(params))
    : requireData(params);
}

async function publishOne(
  ctx: ApiContext,
  channel: string,
  data: PublicationData,
  params: Params,
): Promise<{ offset?: number; epoch?: string }> {
  const code = ctx.rules.validate(channel);
  if (code !== null) throw new CommandError(code);
  const ns = ctx.rules.namespaceOf(channel)!;
  const tags = optionalStringMap(params, 'tags');
  const skipHistory = optionalBoolean(params, 'skip_history');
  const options = skipHistory ? { ...ns.options, history_size: 0, history_ttl: 0 } : ns.options;
  const pub: Publication = { data: data.data };
  if (data.binary === true) pub.binary = true;
  // Subscribers that negotiated delta compression may get it as a delta (namespace delta_publish does it for all).
  if (optionalBoolean(params, 'delta') === true) pub.delta = true;
  if (tags !== undefined) pub.tags = tags;
  // 0 is no version, as in Centrifugo (a uint64 left at its zero value).
  const version = optionalInteger(params, 'version', 0);
  if (version !== undefined && version > 0) pub.version = version;
  checkPublicationSize(ctx.config.client, pub);
  const result = await ctx.publish(channel, pub, options, {
    idempotencyKey: optionalString(params, 'idempotency_key') || undefined,
    versionEpoch: optionalString(params, 'version_epoch'),
  });
  return result.position === undefined
    ? {}
    : { offset: result.position.offset, epoch: result.position.epoch };
}

/**
 * `publish`: one channel. Returns the stream position on channels with history (the stream's top
 * when `version` was stale and the publication dropped); error 106 for a publication larger than
 * `client.max_publication_size`.
 */
export async function publish(ctx: ApiContext, params: Params): Promise<string> {
  const channel = requireString(params, 'channel');
  return JSON.stringify(await publishOne(ctx, channel, publicationData(params), params));
}

/** `broadcast`: the same data to many channels; one response per channel, in order. */
export async function broadcast(ctx: ApiContext, params: Params): Promise<string> {
  const channels = optionalStringArray(params, 'channels');
  if (channels === undefined || channels.length === 0) {
    throw new CommandError(
      ErrorCode.BadRequest,
      'bad request: "channels" must be a non-empty array of strings',
    );
  }
  const data = publicationData(params);
  const responses = await Promise.all(
    channels.map(async (channel) => {
      try {
        return { result: await publishOne(ctx, channel, data, params) };
      } catch (error) {
        // One unreachable shard must not hide what the other channels' publishes did.
        const wire = toProtocolError(error);
        if (wire !== undefined) return { error: wire };
        throw error;
      }
    }),
  );
  return JSON.stringify({ responses });
}
