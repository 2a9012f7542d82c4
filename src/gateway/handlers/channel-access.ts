/** Resolves a channel for a command: valid name, known namespace, its options. */
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
