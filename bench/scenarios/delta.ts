/**
 * Delta compression: bytes on the wire per publication of a ~2 KB JSON document whose every
 * version changes one field, to subscribers of one Switchboard channel that ask for Fossil deltas
 * (`delta: "fossil"`) and to subscribers that do not, with JSON and with Protobuf clients. Every
 * subscriber rebuilds each document (applying the delta to the previous one) and checks it
 * against the published version, so a delta counts only when it decodes to the right document.
 */
import type { Proto } from '../load-clients.js';
import type { GroupDocCounts } from '../load-protocol.js';
import { type BenchServer, startServer } from '../servers.js';
import { fmt, type ScenarioContext, type ScenarioResult, size } from './common.js';

const CHANNEL = 'docs:inventory';
const TARGET = 0.2;

/** The namespace of the channel: deltas allowed and published, positions kept by history. */
const NAMESPACE = {
  name: 'docs',
  allowed_delta_types: ['fossil'],
  delta_publish: true,
  history_size: 100,
  history_ttl: '300s',
  force_positioning: true,
};

interface Group {
  key:
    | 'switchboard-json-full'
    | 'switchboard-json-delta'
    | 'switchboard-protobuf-full'
    | 'switchboard-protobuf-delta';
  encoding: 'JSON' | 'Protobuf';
  proto: Proto;
  delta: boolean;
}

const GROUPS: Group[] = [
  { key: 'switchboard-json-full', encoding: 'JSON', proto: 'switchboard', delta: false },
  { key: 'switchboard-json-delta', encoding: 'JSON', proto: 'switchboard', delta: true },
  { key: 'switchboard-protobuf-full', encoding: 'Protobuf', proto: 'switchboard-protobuf', delta: false },
  { key: 'switchboard-protobuf-delta', encoding: 'Protobuf', proto: 'switchboard-protobuf', delta: true },
];

export async function delta(ctx: ScenarioContext): Promise<ScenarioResult> {
  const clients = size(ctx, 'clients', 5, 2);
  const publications = size(ctx, 'publications', 1000, 50);
  const docBytes = size(ctx, 'doc', 2048, 2048);
  let server: BenchServer | undefined;
  let counts: Record<string, GroupDocCounts>;
  let published: number;
  let firstDocBytes: number;
  try {
    server = await startServer('switchboard', { config: { channel: { namespaces: [NAMESPACE] } } });
    for (const g of GROUPS) {
      const connected = await ctx.load.run({
        type: 'connect',
        group: g.key,
        proto: g.proto,
        ports: [server.port],
        count: clients,
        first: 0,
        tokens: true,
        channel: CHANNEL,
        concurrency: 50,
        delta: g.delta,
        docs: true,
      });
      if (connected.failed > 0)
        throw new Error(`${g.key}: ${connected.failed} clients failed: ${connected.firstError}`);
    }
    const result = await ctx.load.run({
      type: 'docs',
      port: server.port,
      channel: CHANNEL,
      publications,
      docBytes,
      timeoutMs: 10_000,
    });
    counts = result.groups;
    published = result.published;
    firstDocBytes = result.docBytes;
  } finally {
    await ctx.load.run({ type: 'close' });
    await server?.stop();
  }

  const perPublication = (c: GroupDocCounts) => c.bytes / Math.max(1, c.publications);
  const of = (g: Group) => counts[g.key]!;
  const full = (encoding: Group['encoding']) => of(GROUPS.find((g) => g.encoding === encoding && !g.delta)!);
  const figures: ScenarioResult['figures'] = {};
  const rows: string[][] = [];
  for (const g of GROUPS) {
    const c = of(g);
    const share = perPublication(c) / perPublication(full(g.encoding));
    figures[g.key] = {
      clients: c.clients,
      deliveries: c.publications,
      deltas: c.deltas,
      matched: c.matched,
      deltaNegotiated: c.deltaNegotiated,
      bytes: c.bytes,
      bytesPerPublication: perPublication(c),
      shareOfFull: share,
    };
    rows.push([
      g.encoding,
      g.delta ? '`delta: "fossil"`' : 'full data',
      `${c.deltaNegotiated}/${c.clients}`,
      `${fmt(c.publications / c.clients)} of ${fmt(published)}`,
      fmt(c.deltas / c.clients),
      c.matched === c.publications && c.publications === published * c.clients
        ? 'all'
        : `**${fmt(c.matched)} of ${fmt(published * c.clients)}**${c.firstError ? ` (${c.firstError})` : ''}`,
      fmt(perPublication(c), 1),
      g.delta ? `${fmt(share * 100, 1)}%` : '100%',
    ]);
  }
  const targets = (['JSON', 'Protobuf'] as const).map((encoding) => {
    const d = of(GROUPS.find((g) => g.encoding === encoding && g.delta)!);
    const share = perPublication(d) / perPublication(full(encoding));
    return {
      text: `delta (${encoding}): bytes per publication with Fossil deltas ≤ ${TARGET * 100}% of full data`,
      met: share <= TARGET && d.deltas > 0 && d.matched === d.publications,
      figure: `${fmt(share * 100, 1)}% (${fmt(perPublication(d), 1)} vs ${fmt(perPublication(full(encoding)), 1)} bytes)`,
    };
  });
  const negotiated = GROUPS.filter((g) => g.delta).every((g) => of(g).deltaNegotiated > 0);
  return {
    name: 'delta',
    title: 'Delta compression: bytes per publication of a changing document',
    params: {
      'subscribers per group': clients,
      publications,
      'document bytes': firstDocBytes,
      namespace: 'allowed_delta_types [fossil], delta_publish, force_positioning, history 100/300s',
    },
    columns: [
      'encoding',
      'subscription',
      'reply `delta: true`',
      'publications per subscriber',
      'of them deltas',
      'documents rebuilt correctly',
      'bytes per publication',
      'of full data',
    ],
    rows,
    targets,
    chart: [],
    notes: [
      `One document of ${fmt(firstDocBytes)} bytes (JSON), published ${fmt(published)} times through the server API one request at a time; each version changes one field (one line's quantity, round-robin over the lines). Bytes are those of every WebSocket frame a subscriber received after subscribing (payload plus the server's frame header, pings left out), divided by the publications it received; the first publication of a delta subscription carries the full document.`,
      'A delta subscriber applies each Fossil delta to its previous document (`applyFossilDelta`; JSON: the delta is the UTF-8 of the `data` string) and compares the result with the version published in that place; full subscribers compare the data itself.',
      ...(negotiated
        ? []
        : [
            'The subscribe replies did not carry `delta: true`: this server does not serve delta compression yet, so delta subscribers received full data.',
          ]),
    ],
    figures,
  };
}
