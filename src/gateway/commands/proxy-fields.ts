/**
 * Reading what proxied commands pass on to the backend, and applying what it answers to a
 * subscription: the optional `data` of connect, subscribe and rpc, the connect command's emulated
 * `headers`, and a backend's channel option overrides.
 */
import type { ChannelOptions } from '../../config/types.js';
import { optionalStringMap, type Params, requireData } from '../../protocol/params.js';
import type { ForwardedHeaders } from '../forwarded-headers.js';
import { pickHeaders } from '../forwarded-headers.js';
import type { ChannelOverride, ProxyPayload } from '../proxy-port.js';
import type { CommandContext } from './context.js';

/** A command's `data` when it has one: JSON text, or bytes as base64 with `binary`. */
export function optionalPayload(params: Params): ProxyPayload | undefined {
  const value = params['data'];
  if (value === undefined || value === null) return undefined;
  if (value instanceof Uint8Array && value.length === 0) return undefined;
  return requireData(params);
}

/** The connect command's `headers` the proxies forward (`emulated_headers`); the rest are dropped. */
export function emulatedHeaders(ctx: CommandContext, params: Params): ForwardedHeaders | undefined {
  if (ctx.emulatedHeaderNames === undefined) return undefined;
  return pickHeaders(optionalStringMap(params, 'headers'), ctx.emulatedHeaderNames);
}

/** The namespace's options with the backend's overrides applied (the same object when there are none). */
export function withOverride(options: ChannelOptions, override: ChannelOverride | undefined): ChannelOptions {
  if (override === undefined) return options;
  const changed: Partial<ChannelOptions> = {};
  if (override.presence !== undefined) changed.presence = override.presence;
  if (override.join_leave !== undefined) changed.join_leave = override.join_leave;
  if (override.force_push_join_leave !== undefined)
    changed.force_push_join_leave = override.force_push_join_leave;
  if (override.force_recovery !== undefined) changed.force_recovery = override.force_recovery;
  if (override.force_positioning !== undefined) changed.force_positioning = override.force_positioning;
  return Object.keys(changed).length === 0 ? options : { ...options, ...changed };
}
