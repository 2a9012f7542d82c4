/**
 * Subscribe and publish fields of features Switchboard does not implement (map and shared-poll
 * subscriptions, map publishes, deltas) and the tags filter, read the way Centrifugo v6 reads them,
 * so an unsupported request is refused with Centrifugo's code instead of looking like a success.
 *
 * Centrifugo decodes a command into its protobuf message before running it: a field of the wrong
 * JSON type (a string `type`, a number `delta`) fails the whole command and closes the connection
 * with 3501. The readers here do the same for the fields they own; `null` is the zero value.
 */

import type { Config } from '../../config/types.js';
import { DisconnectCode, ErrorCode } from '../../protocol/codes.js';
import { CommandError, DisconnectError } from '../../protocol/errors.js';
import type { Params } from '../../protocol/params.js';
import { parseTagsFilter } from '../../protocol/tags-filter.js';
import { compileTagsFilter, type TagsMatcher } from '../tags-filter.js';

/** Subscription types of the protocol (`SubscribeRequest.type`); Switchboard serves only streams. */
export const SubscriptionType = {
  Stream: 0,
  Map: 1,
  MapClients: 2,
  MapUsers: 3,
  SharedPoll: 4,
} as const;

/** The only delta type Centrifugo knows; it is ignored where a namespace does not allow it. */
const KNOWN_DELTAS: ReadonlySet<string> = new Set(['fossil']);

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function undecodable(field: string, expected: string): DisconnectError {
  return new DisconnectError(DisconnectCode.BadRequest, `bad request: "${field}" must be ${expected}`);
}

function int32(params: Params, field: string): number {
  const value = params[field];
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
    throw undecodable(field, 'a 32-bit integer');
  }
  return value;
}

function string(params: Params, field: string): string {
  const value = params[field];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw undecodable(field, 'a string');
  return value;
}

function boolean(params: Params, field: string): boolean {
  const value = params[field];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw undecodable(field, 'a boolean');
  return value;
}

/** What a subscribe request asks for beyond a plain stream subscription, decoded. */
export interface SubscribeExtras {
  type: number;
  delta: string;
  /** The `tf` as decoded: a compiled filter, the reason it is refused (107), or none. */
  filter: { matcher: TagsMatcher } | { invalid: string } | undefined;
}

/**
 * Decodes `type`, `delta`, `tf` and the map-subscription paging fields (`phase`, `cursor`, `limit`,
 * `asc`, unused by stream subscriptions but decoded by Centrifugo all the same). Throws 3501 for a
 * field of the wrong JSON type, as Centrifugo's decoder fails on it before anything else runs.
 */
export function decodeSubscribeExtras(params: Params): SubscribeExtras {
  const type = int32(params, 'type');
  const delta = string(params, 'delta');
  int32(params, 'phase');
  int32(params, 'limit');
  string(params, 'cursor');
  boolean(params, 'asc');
  const parsed = parseTagsFilter(params.tf);
  let filter: SubscribeExtras['filter'];
  if (parsed === undefined) filter = undefined;
  else if (parsed.ok) filter = { matcher: compileTagsFilter(parsed.node) };
  else if (parsed.problem.kind === 'decode')
    throw new DisconnectError(DisconnectCode.BadRequest, `bad request: ${parsed.problem.reason}`);
  else filter = { invalid: parsed.problem.reason };
  return { type, delta, filter };
}

/**
 * The checks centrifuge's `handleSubscribe` makes before it looks at the channel: a shared-poll
 * subscription is not available (108; Switchboard has no shared-poll channels), and a stream
 * subscription with a `delta` type Centrifugo does not know closes the connection (3501). Map
 * types skip the delta check there, so they do here.
 */
export function checkSubscriptionKind(extras: SubscribeExtras): void {
  if (extras.type === SubscriptionType.SharedPoll) throw new CommandError(ErrorCode.NotAvailable);
  const map = extras.type >= SubscriptionType.Map && extras.type <= SubscriptionType.MapUsers;
  if (!map && extras.delta !== '' && !KNOWN_DELTAS.has(extras.delta)) {
    throw new DisconnectError(
      DisconnectCode.BadRequest,
      `bad request: unknown delta type in subscribe request: ${extras.delta}`,
    );
  }
}

/**
 * After the namespace is known: every Switchboard namespace is a stream namespace, and Centrifugo
 * refuses a map subscription there (103, `isSubscriptionTypeAllowed`). A negative type takes
 * Centrifugo's stream path and is a stream subscription.
 */
export function checkStreamType(extras: SubscribeExtras): void {
  if (extras.type >= SubscriptionType.Map && extras.type <= SubscriptionType.MapUsers) {
    throw new CommandError(
      ErrorCode.PermissionDenied,
      'permission denied: the namespace serves stream subscriptions only',
    );
  }
}

/**
 * Last, after the tags filter: a type above 4. Centrifugo lets it through every check as a stream
 * subscription but, treating it as a map type, never registers the channel on the connection, then
 * finds it missing and closes with 3004. The same close here: such a request never subscribes.
 */
export function checkUnknownType(extras: SubscribeExtras): void {
  if (extras.type > SubscriptionType.SharedPoll) {
    throw new DisconnectError(
      DisconnectCode.ServerError,
      `internal server error: unknown subscription type ${extras.type}`,
    );
  }
}

/**
 * After permission: the tags filter, as centrifuge's `subscribeCmd` checks it (107 where the
 * namespace lacks `allow_tags_filter`, 107 for a tree `filter.Validate` refuses). A `delta`
 * (`fossil`) needs no answer: no namespace allows deltas yet, so it is ignored as Centrifugo does.
 */
export function tagsFilterOf(extras: SubscribeExtras, allowed: boolean): TagsMatcher | undefined {
  const filter = extras.filter;
  if (filter === undefined) return undefined;
  if (!allowed) {
    throw new CommandError(ErrorCode.BadRequest, 'bad request: the namespace does not allow tags filters');
  }
  if ('invalid' in filter)
    throw new CommandError(ErrorCode.BadRequest, `bad request: invalid tags filter: ${filter.invalid}`);
  return filter.matcher;
}

/**
 * A map publish (`type: 1`, a removal with `removed: true`): decodes `type`, `key` and `removed`
 * (3501 on a wrong JSON type) and answers whether the publish is a map one. Other types publish
 * normally and `key`/`removed` are ignored, as in Centrifugo's dispatch.
 */
export function isMapPublish(params: Params): boolean {
  const type = int32(params, 'type');
  string(params, 'key');
  boolean(params, 'removed');
  return type === 1;
}

/**
 * Refuses a map publish once the channel's namespace is known. Centrifugo allows one only where the
 * namespace's `map` options allow it, and Switchboard has none (103); with `client.insecure` every
 * check is skipped there, so here too, and the publish fails for want of a map broker (108), after
 * Centrifugo's 107 for an empty `key`.
 */
export function refuseMapPublish(config: Config, params: Params): never {
  if (!config.client.insecure) throw new CommandError(ErrorCode.PermissionDenied);
  if (string(params, 'key') === '')
    throw new CommandError(ErrorCode.BadRequest, 'bad request: "key" must be present');
  throw new CommandError(ErrorCode.NotAvailable, 'not available: Switchboard has no map channels');
}
