import { ErrorCode } from '../../protocol/codes.js';
import { encodeRawReply } from '../../protocol/encode.js';
import type { Command } from '../../protocol/types.js';
import type { Connection } from '../connection.js';
import { CommandError } from '../errors.js';

/** `ping`: an explicit round trip. */
export function handlePing(conn: Connection, cmd: Command): void {
  conn.send(encodeRawReply(cmd.id, 'ping', '{}'));
}

/** `rpc`: no RPC methods are registered on this server. */
export function handleRpc(_conn: Connection, _cmd: Command): void {
  throw new CommandError(ErrorCode.MethodNotFound, 'method not found: this server has no RPC methods');
}

/** `send`: asynchronous messages to the server have no receiver here; accepted and dropped. */
export function handleSend(_conn: Connection, _cmd: Command): void {}
