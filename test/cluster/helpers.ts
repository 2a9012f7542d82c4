/** Shared pieces of the cluster tests: nodes on one Redis, SDK clients pinned or rotating across nodes. */
import type { Centrifuge, PublicationContext } from 'centrifuge';
import WebSocket from 'ws';
import { type NodeProcess, newClient, startNodeProcess, token } from '../harness/index.js';

/** Namespaces used by the cluster tests. */
export const clusterChannels = {
  without_namespace: { history_size: 1000, history_ttl: '300s', force_recovery: true },
  namespaces: [
    {
      name: 'room',
      history_size: 1000,
      history_ttl: '300s',
      force_recovery: true,
      presence: true,
      allow_presence_for_subscriber: true,
    },
  ],
};

export async function startCluster(
  redisUrl: string,
  count: number,
  extra: Record<string, unknown> = {},
): Promise<NodeProcess[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      startNodeProcess(`node-${i + 1}`, {
        engine: { redis: { address: redisUrl } },
        channel: clusterChannels,
        ...extra,
      }),
    ),
  );
}

/**
 * A WebSocket class for the SDK that connects to the given nodes in turn, whatever URL it is given:
 * a client whose node died reconnects to the next one.
 */
export function rotatingWebSocket(urls: string[], start = 0): typeof WebSocket {
  let next = start;
  return class RotatingWebSocket extends WebSocket {
    constructor(_url: string, protocols?: string | string[]) {
      super(urls[next++ % urls.length]!, protocols);
    }
  } as unknown as typeof WebSocket;
}

export async function clientOn(urls: string[], user: string, start = 0): Promise<Centrifuge> {
  return newClient(urls[start % urls.length]!, {
    token: await token(user),
    websocket: rotatingWebSocket(urls, start),
  });
}

/** Offsets must be 1..n with no gap or repeat. */
export function assertExactlyOnce(got: PublicationContext[], n: number, what: string): void {
  const offsets = got.map((p) => p.offset);
  const expected = Array.from({ length: n }, (_, i) => i + 1);
  if (offsets.length !== n || offsets.some((o, i) => o !== expected[i])) {
    const dup = offsets.length - new Set(offsets).size;
    throw new Error(
      `${what}: got ${offsets.length} publications (${dup} duplicated), expected offsets 1..${n}`,
    );
  }
}

/** Stops everything that was started; tolerates a setup that failed halfway. */
export async function stopAll(items: ({ stop(): Promise<void> } | undefined)[] | undefined): Promise<void> {
  await Promise.all((items ?? []).map((i) => i?.stop().catch(() => {})));
}
