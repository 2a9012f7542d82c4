import type { ApiMethod } from '../context.js';
import { disconnect, refresh, subscribe, unsubscribe } from './connections.js';
import { history, historyRemove } from './history.js';
import { channels, connections, info } from './info.js';
import { onlineUsers } from './online-users.js';
import { presence, presenceStats } from './presence.js';
import { broadcast, publish } from './publish.js';
import { send } from './send.js';

/** Every server API method except `batch`, by name. */
export const apiMethods: ReadonlyMap<string, ApiMethod> = new Map<string, ApiMethod>([
  ['publish', publish],
  ['broadcast', broadcast],
  ['subscribe', subscribe],
  ['unsubscribe', unsubscribe],
  ['disconnect', disconnect],
  ['refresh', refresh],
  ['presence', presence],
  ['presence_stats', presenceStats],
  ['history', history],
  ['history_remove', historyRemove],
  ['channels', channels],
  ['info', info],
  ['connections', connections],
  ['send', send],
  ['online_users', onlineUsers],
]);
