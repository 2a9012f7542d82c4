/**
 * Checks run after every fuzz case: a fresh client connects, subscribes and receives a publication;
 * the node holds nothing for connections that are gone.
 */
import assert from 'node:assert/strict';
import type { Connection } from '../../src/gateway/connection.js';
import type { GatewayNode } from '../../src/gateway/node.js';
import type { TestNode } from '../harness/node.js';
import { FuzzClient } from './fuzz-client.js';

let sequence = 0;

/**
 * Connect, subscribe and publish pipelined in one frame (one round trip, so it can run after every
 * case): the client must be connected, subscribed, and receive its own publication. The channel's
 * namespace must allow publishing for subscribers.
 */
export async function assertServes(node: TestNode, token: string): Promise<void> {
  const client = await FuzzClient.open(node.wsUrl);
  try {
    const channel = `control-${++sequence}`;
    client.send(
      [
        { id: 1, connect: { token } },
        { id: 2, subscribe: { channel } },
        { id: 3, publish: { channel, data: { n: sequence } } },
      ]
        .map((c) => JSON.stringify(c))
        .join('\n'),
    );
    const received = (): boolean =>
      client.pushes.some((p) => (p['push'] as Record<string, unknown>)['channel'] === channel);
    await client.until(() => client.replies.has(3) && received(), 'control replies and publication');
    assert.ok(client.connected, `control client connects: ${JSON.stringify(client.replies.get(1))}`);
    assert.equal(typeof client.replies.get(2)?.['subscribe'], 'object', 'control client subscribes');
    assert.deepEqual(client.replies.get(3), { id: 3, publish: {} }, 'control client publishes');
    assert.ok(received(), 'control client receives the publication');
  } finally {
    client.terminate();
  }
}

/** What a node holds that no open connection owns, by object: subscriptions and clients of closed connections. */
export function leftovers(gateway: GatewayNode): Map<object, string> {
  const found = new Map<object, string>();
  for (const [channel] of gateway.hub.channelCounts()) {
    for (const sub of gateway.hub.subscribers(channel) ?? []) {
      const conn = sub.conn as Connection;
      if (conn.state === 'closed') found.set(sub, `subscription to "${channel}" of a closed connection`);
      else if (conn.subs.get(channel) !== sub)
        found.set(sub, `subscription to "${channel}" its connection forgot`);
    }
  }
  for (const conn of gateway.connections.authenticated()) {
    if (conn.state === 'closed') found.set(conn, 'closed connection still registered as a client');
  }
  return found;
}

/**
 * Waits (bounded) until the node holds nothing for closed connections beyond what `known` lists
 * (left by earlier failed cases), so each case is judged on what it left itself.
 */
export async function assertNoLeftovers(
  gateway: GatewayNode,
  known: ReadonlyMap<object, string>,
  timeoutMs = 2000,
): Promise<void> {
  const fresh = (): string[] => [...leftovers(gateway)].filter(([k]) => !known.has(k)).map(([, v]) => v);
  const deadline = Date.now() + timeoutMs;
  let found = fresh();
  while (found.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    found = fresh();
  }
  assert.deepEqual(found, [], 'nothing left behind by closed connections');
}
