import type { Command, CommandMethod } from '../../protocol/types.js';
import type { Session } from '../session.js';
import { handleConnect } from './connect.js';
import type { CommandContext } from './context.js';
import { handleHistory } from './history.js';
import { handlePing, handleRpc, handleSend } from './misc.js';
import { handlePresence, handlePresenceStats } from './presence.js';
import { handlePublish } from './publish.js';
import { handleRefresh, handleSubRefresh } from './refresh.js';
import { handleSubscribe, handleUnsubscribe } from './subscribe.js';

/** Runs one command on a session, with the node's ports; throws CommandError or DisconnectError to refuse it. */
export type CommandHandler = (session: Session, cmd: Command, ctx: CommandContext) => Promise<void> | void;

/** Every client command, by method. */
export const commandHandlers: Record<CommandMethod, CommandHandler> = {
  connect: handleConnect,
  subscribe: handleSubscribe,
  unsubscribe: handleUnsubscribe,
  publish: handlePublish,
  presence: handlePresence,
  presence_stats: handlePresenceStats,
  history: handleHistory,
  ping: handlePing,
  send: handleSend,
  rpc: handleRpc,
  refresh: handleRefresh,
  sub_refresh: handleSubRefresh,
};
