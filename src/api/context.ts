/**
 * What the server API needs from the node: the narrow set of operations its methods call. A
 * `GatewayNode` is one as it stands (the HTTP server, the admin UI and the demo pass theirs); a test
 * or another host may pass anything that has these members.
 */
import type { ChannelRules } from '../auth/channel-rules.js';
import type { Cluster } from '../cluster/cluster.js';
import type { MessageOp, UserOp } from '../cluster/messages.js';
import type { ChannelOptions, Config } from '../config/types.js';
import type { Engine, PublishResult } from '../engine/types.js';
import type { Logger } from '../log.js';
import type { Params } from '../protocol/params.js';
import type { Publication } from '../protocol/types.js';

/** The node as the server API sees it. */
export interface ApiContext {
  /** `client` bounds publication sizes; `http_api` holds the key and the body limit; `user_events` for `online_users`. */
  readonly config: Pick<Config, 'client' | 'http_api' | 'user_events'>;
  readonly log: Logger;
  /** Channel names: valid, and in which namespace (with its options). */
  readonly rules: Pick<ChannelRules, 'validate' | 'namespaceOf'>;
  /** History, presence and the online users are read straight from the engine. */
  readonly engine: Pick<Engine, 'history' | 'presence' | 'userStatus'>;
  /** `channels`, `info` and `connections` ask every node. */
  readonly cluster: Pick<Cluster, 'survey'>;
  /** Publishes through the engine, appending to history when the channel keeps it. */
  publish(
    channel: string,
    pub: Publication,
    options: ChannelOptions,
    extras?: { idempotencyKey?: string; versionEpoch?: string },
  ): Promise<PublishResult>;
  /** Sends a user operation or message to every node, this one included. */
  control(op: UserOp | MessageOp): Promise<void>;
}

/** An API method: validated params in, the result as JSON text out. Throws CommandError for API errors. */
export type ApiMethod = (ctx: ApiContext, params: Params) => Promise<string>;
