import { EngineUnavailableError } from '../../engine/errors.js';
import { CommandError, engineUnavailable } from '../../gateway/errors.js';
import type { GatewayNode } from '../../gateway/node.js';
import {
  optionalBoolean,
  optionalInteger,
  optionalString,
  optionalStringArray,
  optionalStringMap,
  type Params,
  requireData,
  requireString,
} from '../../gateway/params.js';
import { checkPublicationSize } from '../../gateway/size-limits.js';
import { ErrorCode } from '../../protocol/codes.js';
import type { Publication } from '../../protocol/types.js';

async function publishOne(
  node: GatewayNode,
  channel: string,
  data: string,
  params: Params,
): Promise<{ offset?: number; epoch?: string }> {
  const code = node.rules.validate(channel);
  if (code !== null) throw new CommandError(code);
  const ns = node.rules.namespaceOf(channel)!;
  const tags = optionalStringMap(params, 'tags');
  const skipHistory = optionalBoolean(params, 'skip_history');
  const options = skipHistory ? { ...ns.options, history_size: 0, history_ttl: 0 } : ns.options;
  const pub: Publication = tags === undefined ? { data } : { data, tags };
  // 0 is no version, as in Centrifugo (a uint64 left at its zero value).
  const version = optionalInteger(params, 'version', 0);
  if (version !== undefined && version > 0) pub.version = version;
  checkPublicationSize(node.config.client, pub);
  const result = await node.publish(channel, pub, options, {
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
export async function publish(node: GatewayNode, params: Params): Promise<string> {
  const channel = requireString(params, 'channel');
  return JSON.stringify(await publishOne(node, channel, requireData(params), params));
}

/** `broadcast`: the same data to many channels; one response per channel, in order. */
export async function broadcast(node: GatewayNode, params: Params): Promise<string> {
  const channels = optionalStringArray(params, 'channels');
  if (channels === undefined || channels.length === 0) {
    throw new CommandError(
      ErrorCode.BadRequest,
      'bad request: "channels" must be a non-empty array of strings',
    );
  }
  const data = requireData(params);
  const responses = await Promise.all(
    channels.map(async (channel) => {
      try {
        return { result: await publishOne(node, channel, data, params) };
      } catch (error) {
        if (error instanceof CommandError) return { error: error.toProtocol() };
        // One unreachable shard must not hide what the other channels' publishes did.
        if (error instanceof EngineUnavailableError) {
          return { error: engineUnavailable().toProtocol() };
        }
        throw error;
      }
    }),
  );
  return JSON.stringify({ responses });
}
