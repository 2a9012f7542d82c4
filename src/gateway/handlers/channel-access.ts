/** Resolves a channel for a command: valid name, known namespace, its options. */
import type { PermissionContext } from '../../auth/permissions.js';
import type { ChannelOptions } from '../../config/types.js';
import { ErrorCode } from '../../protocol/codes.js';
import type { Connection } from '../connection.js';
import { CommandError } from '../errors.js';

export function resolveChannel(conn: Connection, channel: string): ChannelOptions {
  const rules = conn.node.rules;
  const code = rules.validate(channel);
  if (code !== null) throw new CommandError(code);
  const ns = rules.namespaceOf(channel);
  if (ns === null) throw new CommandError(ErrorCode.UnknownChannel);
  return ns.options;
}

/**
 * Applies a permission rule to this connection and channel (skipped in insecure mode); a refusal
 * throws the rule's error code.
 */
export function authorize(
  conn: Connection,
  channel: string,
  options: ChannelOptions,
  rule: (ctx: PermissionContext) => ErrorCode | null,
  hasSubscriptionToken = false,
): void {
  if (conn.node.config.client.insecure) return;
  const denied = rule({
    user: conn.user,
    channel,
    options,
    subscribed: conn.subs.has(channel),
    hasSubscriptionToken,
    rules: conn.node.rules,
  });
  if (denied !== null) throw new CommandError(denied);
}
