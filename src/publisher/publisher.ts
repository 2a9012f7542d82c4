/** A typed client of the server API for business services. */
import { randomUUID } from 'node:crypto';
import type { BackoffOptions } from './backoff.js';
import { type BatchOptions, PublishBatcher } from './batcher.js';
import { type RetryOptions, withRetries } from './retry.js';
import { post, type TransportOptions } from './transport.js';
import type {
  BatchCommand,
  BatchReply,
  BatchResult,
  BroadcastRequest,
  BroadcastResult,
  ChannelRequest,
  ChannelsRequest,
  ChannelsResult,
  ConnectionsRequest,
  ConnectionsResult,
  DisconnectRequest,
  EmptyResult,
  HistoryRequest,
  HistoryResult,
  InfoResult,
  MethodName,
  OnlineUsersRequest,
  OnlineUsersResult,
  PresenceResult,
  PresenceStatsResult,
  PublishRequest,
  PublishResult,
  RefreshRequest,
  RequestOf,
  ResultOf,
  SendRequest,
  SubscribeRequest,
  UnsubscribeRequest,
} from './types.js';

export interface PublisherOptions {
  /** The node's base URL, for example `http://127.0.0.1:8000` (a trailing `/` or `/api` is dropped). */
  url: string;
  /** The server's `http_api.key`. */
  apiKey: string;
  /** Per-attempt timeout. Default 5,000 ms. */
  timeoutMs?: number;
  /** Retries after the first attempt, on temporary failures only. Default 3. */
  retries?: number;
  backoff?: BackoffOptions;
  /** Sends `publish` calls made close together as one `batch` request. Off when absent. */
  batch?: BatchOptions;
}

/** Gives a publish its own idempotency key unless it has one, so retries cannot deliver twice. */
function withKey<T extends { idempotency_key?: string }>(params: T): T {
  return params.idempotency_key ? params : { ...params, idempotency_key: randomUUID() };
}

function withCommandKey(command: BatchCommand): BatchCommand {
  if (command.method === 'publish') return { method: 'publish', params: withKey(command.params) };
  if (command.method === 'broadcast') return { method: 'broadcast', params: withKey(command.params) };
  return command;
}

export class Publisher {
  private readonly transport: TransportOptions;
  private readonly retry: RetryOptions;
  private readonly batcher: PublishBatcher | undefined;

  constructor(options: PublisherOptions) {
    this.transport = {
      url: options.url.replace(/\/+$/, '').replace(/\/api$/, ''),
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs ?? 5_000,
    };
    this.retry = { retries: Math.max(0, options.retries ?? 3), backoff: options.backoff ?? {} };
    this.batcher =
      options.batch === undefined
        ? undefined
        : new PublishBatcher(options.batch, this.retry, async (commands) => {
            const result = (await this.request('batch', JSON.stringify({ commands }))) as BatchResult;
            return result.replies;
          });
  }

  /** Calls any method by name; retries temporary failures. */
  call<M extends MethodName>(method: M, params: RequestOf<M>): Promise<ResultOf<M>> {
    return this.request(method, JSON.stringify(params)) as Promise<ResultOf<M>>;
  }

  /** Publishes to one channel; batched when batching is on. */
  publish(params: PublishRequest): Promise<PublishResult> {
    const keyed = withKey(params);
    return this.batcher === undefined ? this.call('publish', keyed) : this.batcher.publish(keyed);
  }

  broadcast(params: BroadcastRequest): Promise<BroadcastResult> {
    return this.call('broadcast', withKey(params));
  }

  subscribe(params: SubscribeRequest): Promise<EmptyResult> {
    return this.call('subscribe', params);
  }

  unsubscribe(params: UnsubscribeRequest): Promise<EmptyResult> {
    return this.call('unsubscribe', params);
  }

  disconnect(params: DisconnectRequest): Promise<EmptyResult> {
    return this.call('disconnect', params);
  }

  refresh(params: RefreshRequest): Promise<EmptyResult> {
    return this.call('refresh', params);
  }

  presence(params: ChannelRequest): Promise<PresenceResult> {
    return this.call('presence', params);
  }

  presenceStats(params: ChannelRequest): Promise<PresenceStatsResult> {
    return this.call('presence_stats', params);
  }

  history(params: HistoryRequest): Promise<HistoryResult> {
    return this.call('history', params);
  }

  historyRemove(params: ChannelRequest): Promise<EmptyResult> {
    return this.call('history_remove', params);
  }

  channels(params: ChannelsRequest = {}): Promise<ChannelsResult> {
    return this.call('channels', params);
  }

  info(): Promise<InfoResult> {
    return this.call('info', {});
  }

  connections(params: ConnectionsRequest = {}): Promise<ConnectionsResult> {
    return this.call('connections', params);
  }

  /** One page of the users online in the cluster (`user_events` on), with their versions. */
  onlineUsers(params: OnlineUsersRequest = {}): Promise<OnlineUsersResult> {
    return this.call('online_users', params);
  }

  /**
   * An asynchronous message to a user's connections, on every node. It has no idempotency key: a
   * send retried after a timeout may arrive twice.
   */
  send(params: SendRequest): Promise<EmptyResult> {
    return this.call('send', params);
  }

  /**
   * Several commands in one request; replies in command order, each a result or its own error
   * (not thrown). Publish and broadcast commands get idempotency keys like single calls.
   */
  async batch(commands: BatchCommand[]): Promise<BatchReply[]> {
    const body = JSON.stringify({ commands: commands.map(withCommandKey) });
    return ((await this.request('batch', body)) as BatchResult).replies;
  }

  /** Sends the publishes waiting for their group; resolves once they are answered. */
  async flush(): Promise<void> {
    await this.batcher?.flush();
  }

  /** The same body on every attempt, so a retried publish carries the same idempotency key. */
  private request(method: string, body: string): Promise<unknown> {
    return withRetries(this.retry, () => post(this.transport, method, body));
  }
}
