/**
 * Runs the engine conformance suites against the in-process engine, then checks what only the
 * memory engine promises: synchronous delivery, shared event objects, bounded memory, error codes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createMemoryEngine,
  MemoryBroker,
  MemoryBus,
  type MemoryBusOptions,
  type MemoryEngine,
} from '../../src/engine/memory/index.js';
import type { BrokerEvent } from '../../src/engine/types.js';
import { brokerConformance } from '../conformance/broker-suite.js';
import type { EngineFactory } from '../conformance/engine-factory.js';
import { EventRecorder, numbered } from '../conformance/event-recorder.js';
import { historyConformance } from '../conformance/history-suite.js';
import { presenceConformance } from '../conformance/presence-suite.js';
import { stateConformance } from '../conformance/state-suite.js';
import { unicodeConformance } from '../conformance/unicode-suite.js';
import { waitFor } from '../harness/index.js';

/** Engines on one bus that lives as long as the factory, like a Redis reused across tests. */
function memoryFactory(): EngineFactory {
  const bus = new MemoryBus();
  let engines: MemoryEngine[] = [];
  return {
    async create(count) {
      const created = Array.from({ length: count }, () => createMemoryEngine({ bus }));
      engines.push(...created);
      return created;
    },
    async cleanup() {
      const closing = engines;
      engines = [];
      await Promise.all(closing.map((e) => e.close()));
    },
    async stored(channel) {
      const tables = { stream: bus.streams, presence: bus.presence, idempotency: bus.idempotency };
      return Object.entries(tables)
        .filter(([, table]) => table.has(channel))
        .map(([name]) => name);
    },
  };
}

brokerConformance('memory', memoryFactory());
historyConformance('memory', memoryFactory());
presenceConformance('memory', memoryFactory());
stateConformance('memory', memoryFactory());
unicodeConformance('memory', memoryFactory());

const HISTORY = { size: 10, ttlMs: 100, metaTtlMs: 200 };

/** Two engines on one fresh bus; the caller closes them. */
function pair(options?: MemoryBusOptions): [MemoryEngine, MemoryEngine, MemoryBus] {
  const bus = new MemoryBus(options);
  return [createMemoryEngine({ bus }), createMemoryEngine({ bus }), bus];
}

async function closeAll(...engines: MemoryEngine[]): Promise<void> {
  await Promise.all(engines.map((e) => e.close()));
}

describe('memory engine: delivery', () => {
  it('delivers inside publish, before its promise settles, one event object for all nodes', async () => {
    const [a, b] = pair();
    const [ra, rb] = [await EventRecorder.start(a.broker), await EventRecorder.start(b.broker)];
    await a.broker.subscribe(['ch']);
    await b.broker.subscribe(['ch']);
    const pending = a.broker.publish('ch', numbered(1), { history: HISTORY });
    assert.equal(ra.events.length, 1, 'delivery is synchronous');
    assert.equal(ra.events[0], rb.events[0], 'one event object is shared by every node');
    await pending;
    await closeAll(a, b);
  });

  it('does not change the caller publication and ignores its offset', async () => {
    const engine = createMemoryEngine();
    const pub = numbered(1, { offset: 7 });
    const result = await engine.broker.publish('ch', pub, { history: HISTORY });
    assert.equal(result.position?.offset, 1);
    assert.equal(pub.offset, 7);
    await engine.close();
  });

  it('keeps per-channel order at every node when a handler publishes during delivery', async () => {
    const bus = new MemoryBus();
    const echo = new MemoryBroker({ bus });
    const watcher = new MemoryBroker({ bus });
    await echo.start((event) => {
      if (event.type === 'publication' && event.pub.data === '{"n":1}') {
        void echo.publish('ch', numbered(2), { history: HISTORY });
      }
    });
    const seen: BrokerEvent[] = [];
    await watcher.start((event) => seen.push(event));
    // echo subscribes first, so it republishes before watcher has received the first event.
    await echo.subscribe(['ch']);
    await watcher.subscribe(['ch']);
    await watcher.publish('ch', numbered(1), { history: HISTORY });
    assert.deepEqual(
      seen.map((e) => (e.type === 'publication' ? e.pub.offset : e.type)),
      [1, 2],
    );
    await Promise.all([echo.close(), watcher.close()]);
  });

  it('delivers to the other nodes when one handler throws, and reports the error', async () => {
    const errors: unknown[] = [];
    const [a, b] = pair({ onHandlerError: (error) => errors.push(error) });
    await a.broker.start(() => {
      throw new Error('handler bug');
    });
    const rb = await EventRecorder.start(b.broker);
    await a.broker.subscribe(['ch']);
    await b.broker.subscribe(['ch']);
    await a.broker.publish('ch', numbered(1));
    assert.equal(rb.events.length, 1);
    assert.equal(errors.length, 1);
    await closeAll(a, b);
  });
});

describe('memory engine: bounded memory', () => {
  it('sweeps expired streams, presence and idempotency keys', async () => {
    let clock = 0;
    const bus = new MemoryBus({ now: () => clock });
    const engine = createMemoryEngine({ bus });
    for (let i = 0; i < 1000; i++) {
      const channel = `ch-${i}`;
      await engine.broker.publish(channel, numbered(i), {
        history: HISTORY,
        idempotencyKey: 'k',
        idempotencyTtlMs: 100,
      });
      await engine.presence.add(channel, { user: 'u', client: `c-${i}` }, 100);
      await engine.history.history(`read-${i}`, { limit: 0 }, 200);
    }
    assert.equal(bus.streams.size, 1000, 'reads of the 1,000 unpublished channels store nothing');
    assert.equal(bus.presence.size, 1000);
    assert.equal(bus.idempotency.size, 1000);
    clock = 150;
    bus.sweep();
    assert.equal(bus.presence.size, 0);
    assert.equal(bus.idempotency.size, 0);
    assert.equal(bus.streams.size, 1000, 'meta outlives publications');
    clock = 250;
    bus.sweep();
    assert.equal(bus.streams.size, 0);
    await engine.close();
  });

  it('sweeps on its timer while in use and stops the timer after the last close', async () => {
    const [a, b, bus] = pair({ sweepIntervalMs: 10 });
    assert.equal(bus.sweeping, true);
    await a.presence.add('ch', { user: 'u', client: 'c' }, 5);
    await waitFor(() => bus.presence.size === 0, 'the timer to sweep presence', 2000);
    await a.close();
    assert.equal(bus.sweeping, true, 'b still uses the bus');
    await b.close();
    assert.equal(bus.sweeping, false);
  });

  it('leaves no routes behind after unsubscribe and close', async () => {
    const [a, b, bus] = pair();
    await EventRecorder.start(a.broker);
    await EventRecorder.start(b.broker);
    await a.broker.subscribe(['x', 'y']);
    await b.broker.subscribe(['y', 'z']);
    assert.equal(bus.routedChannels, 3);
    await a.broker.unsubscribe(['x']);
    assert.equal(bus.routedChannels, 2);
    await b.close();
    assert.equal(bus.routedChannels, 1);
    await a.close();
    assert.equal(bus.routedChannels, 0);
  });
});

describe('memory engine: errors', () => {
  it('rejects every call after close with ENGINE_CLOSED', async () => {
    const engine = createMemoryEngine();
    await engine.close();
    const closed = { code: 'ENGINE_CLOSED' };
    await assert.rejects(
      engine.broker.start(() => {}),
      closed,
    );
    await assert.rejects(engine.broker.publish('ch', numbered(1)), closed);
    await assert.rejects(engine.broker.publishJoin('ch', { user: 'u', client: 'c' }), closed);
    await assert.rejects(engine.history.history('ch', { limit: 0 }, 1000), closed);
    await assert.rejects(engine.presence.stats('ch'), closed);
  });

  it('rejects subscribe before start and a second start', async () => {
    const engine = createMemoryEngine();
    await assert.rejects(engine.broker.subscribe(['ch']), { code: 'BROKER_NOT_STARTED' });
    await engine.broker.start(() => {});
    await assert.rejects(
      engine.broker.start(() => {}),
      { code: 'BROKER_ALREADY_STARTED' },
    );
    await engine.close();
  });

  it('rejects arguments outside the interface with ENGINE_INVALID_ARGUMENT', async () => {
    const engine = createMemoryEngine();
    const invalid = { code: 'ENGINE_INVALID_ARGUMENT' };
    const pub = numbered(1);
    await assert.rejects(engine.broker.publish('ch', pub, { history: { ...HISTORY, size: 0 } }), invalid);
    await assert.rejects(engine.broker.publish('ch', pub, { history: { ...HISTORY, ttlMs: 0 } }), invalid);
    await assert.rejects(
      engine.broker.publish('ch', pub, { idempotencyKey: 'k', idempotencyTtlMs: 0 }),
      invalid,
    );
    await assert.rejects(engine.history.history('ch', { limit: -2 }, 1000), invalid);
    await assert.rejects(engine.history.history('ch', { limit: 1.5 }, 1000), invalid);
    await assert.rejects(engine.presence.add('ch', { user: 'u', client: 'c' }, 0), invalid);
    assert.throws(() => new MemoryBus({ sweepIntervalMs: 0 }), invalid);
    await engine.close();
  });
});
