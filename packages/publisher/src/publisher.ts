/** A typed client of the server API for business services. */
import { randomUUID } from 'node:crypto';
import { PublishBatcher } from './batcher.js';
import { checkOptions, type PublisherOptions } from './options.js';
import { type RetryPolicy, withRetries } from './retry.js';
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

export type { PublisherOptions };

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
  private readonly retry: RetryPolicy;
  private readonly batcher: PublishBatcher | undefined;

  /** @throws TypeError naming the option when one is missing or out of range. */
  constructor(options: PublisherOptions) {
    checkOptions(options);
    this.transport = {
      url: options.url.replace(/\/+$/, '').replace(/\/api$/, ''),
      apiKey: options.apiKey,
    };
    this.retry = {
      retries: options.retries ?? Number.POSITIVE_INFINITY,
      backoff: options.backoff ?? {},
      timeoutMs: options.timeoutMs ?? 5_000,
      deadlineMs: options.deadlineMs ?? 10_000,
      onAttempt: options.onAttempt,
    };
    this.batcher =
      options.batch === undefined
        ? undefined
        : new PublishBatcher(options.batch, this.retry, async (commands, attempt) => {
            const body = JSON.stringify({ commands });
            return ((await post(this.transport, 'batch', body, attempt)) as BatchResult).replies;
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
    return withRetries(this.retry, method, (attempt) => post(this.transport, method, body, attempt));
  }
}
