/**
 * Wraps an engine so every call the node makes through it is timed into a histogram by operation:
 * the latency of Redis (or of the in-memory engine) as the node sees it, queueing and pipelining
 * included. Failed calls are timed too. Each operation's histogram child is looked up once.
 */
import type { Histogram } from 'prom-client';
import type { Broker, Engine, HistoryStore, PresenceStore } from '../engine/types.js';

type Observe = (start: number) => void;

function timer(histogram: Histogram<'operation'>, operation: string): Observe {
  const child = histogram.labels(operation);
  return (start) => child.observe((performance.now() - start) / 1000);
}

/** Runs `call`, observing its duration when it settles; the caller gets the original promise. */
function timed<T>(observe: Observe, call: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const promise = call();
  const done = (): void => observe(start);
  promise.then(done, done);
  return promise;
}

export function timedEngine(engine: Engine, histogram: Histogram<'operation'>): Engine {
  const t = (operation: string): Observe => timer(histogram, operation);
  const publish = t('publish');
  const publishJoin = t('publish_join');
  const publishLeave = t('publish_leave');
  const publishControl = t('publish_control');
  const subscribe = t('subscribe');
  const unsubscribe = t('unsubscribe');
  const history = t('history');
  const historyRemove = t('history_remove');
  const presence = t('presence');
  const presenceStats = t('presence_stats');
  const presenceAdd = t('presence_add');
  const presenceRemove = t('presence_remove');
  const b = engine.broker;
  const h = engine.history;
  const p = engine.presence;
  const broker: Broker = {
    start: (handler) => b.start(handler),
    subscribe: (channels) => timed(subscribe, () => b.subscribe(channels)),
    unsubscribe: (channels) => timed(unsubscribe, () => b.unsubscribe(channels)),
    publish: (channel, pub, options) => timed(publish, () => b.publish(channel, pub, options)),
    publishJoin: (channel, info) => timed(publishJoin, () => b.publishJoin(channel, info)),
    publishLeave: (channel, info) => timed(publishLeave, () => b.publishLeave(channel, info)),
    publishControl: (data) => timed(publishControl, () => b.publishControl(data)),
    close: () => b.close(),
  };
  const historyStore: HistoryStore = {
    history: (channel, query, metaTtlMs) => timed(history, () => h.history(channel, query, metaTtlMs)),
    remove: (channel) => timed(historyRemove, () => h.remove(channel)),
    close: () => h.close(),
  };
  const presenceStore: PresenceStore = {
    add: (channel, info, ttlMs) => timed(presenceAdd, () => p.add(channel, info, ttlMs)),
    remove: (channel, clientId) => timed(presenceRemove, () => p.remove(channel, clientId)),
    presence: (channel) => timed(presence, () => p.presence(channel)),
    stats: (channel) => timed(presenceStats, () => p.stats(channel)),
    close: () => p.close(),
  };
  return {
    broker,
    history: historyStore,
    presence: presenceStore,
    // Passed through untimed: its calls run in the background, off the clients' paths.
    userStatus: engine.userStatus,
    reachable: () => engine.reachable(),
    close: () => engine.close(),
  };
}
