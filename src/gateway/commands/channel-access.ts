/** Resolves a channel for a command: valid name, known namespace, its options. */
import type { ChannelRules } from '../../auth/channel-rules.js';
import type { PermissionContext } from '../../auth/permissions.js';
import type { ChannelOptions } from '../../config/types.js';
import { ErrorCode } from '../../protocol/codes.js';
import { CommandError } from '../../protocol/errors.js';
import type { Session } from '../session.js';
import type { CommandContext } from './context.js';

export function resolveChannel(rules: ChannelRules, channel: string): ChannelOptions {
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
  ctx: CommandContext,
  session: Session,
  channel: string,
  options: ChannelOptions,
  rule: (ctx: PermissionContext) => ErrorCode | null,
  hasSubscriptionToken = false,
): void {
  if (ctx.config.client.insecure) return;
  const denied = rule({
    user: session.user,
    channel,
    options,
    subscribed: session.subs.has(channel),
    hasSubscriptionToken,
    rules: ctx.rules,
  });
  if (denied !== null) throw new CommandError(denied);
}
