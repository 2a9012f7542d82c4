/**
 * Every server API method as the OpenAPI description presents it: its parameters and its result as
 * zod schemas, a summary, a description and a tag. `document.ts` turns them into the document; the
 * tests check that this table names exactly the methods `methods/index.ts` registers and that real
 * answers of a node match it.
 */
import { z } from 'zod';
import {
  b64dataField,
  ClientInfoSchema,
  channelField,
  clientField,
  DATA_OR_B64DATA,
  dataField,
  ErrorReplySchema,
  HistoryPublicationSchema,
  PublishResultSchema,
  publishOptionFields,
  userField,
} from './common-schemas.js';

/** The groups the methods are listed under. */
export const METHOD_TAGS = {
  publications: 'Publish to channels.',
  users: "Act on a user's connections on every node.",
  channels: 'Presence and history of a channel.',
  cluster: 'The nodes of the cluster, their connections and channels, the online users.',
} as const;

export type MethodTag = keyof typeof METHOD_TAGS;

/** One method of the server API, `POST /api/<name>`. */
export interface MethodDescription {
  readonly tag: MethodTag;
  readonly summary: string;
  readonly description: string;
  readonly params: z.ZodType;
  readonly result: z.ZodType;
}

const Empty = (when = 'the call was handed to every node') => z.strictObject({}).describe(`Empty: ${when}.`);

/** A new instance per method: each becomes its own named component. */
const ChannelRequest = () => z.object({ channel: channelField() });

export const methodDescriptions = {
  publish: {
    tag: 'publications',
    summary: 'Publish data to a channel',
    description:
      'Stores the publication in the channel history when the namespace keeps one and delivers it to every subscriber on every node. ' +
      'Errors: 102 unknown namespace, 106 publication over `client.max_publication_size`, 107 bad parameter, 100 engine unavailable (temporary).',
    params: z
      .object({
        channel: channelField(),
        data: dataField().optional(),
        b64data: b64dataField(),
        ...publishOptionFields(),
      })
      .meta(DATA_OR_B64DATA),
    result: PublishResultSchema,
  },
  broadcast: {
    tag: 'publications',
    summary: 'Publish the same data to several channels',
    description:
      'One response per channel, in the order given; a channel that fails gets its own error without stopping the others.',
    params: z
      .object({
        channels: z.array(z.string()).min(1).describe('Channel names.'),
        data: dataField().optional(),
        b64data: b64dataField(),
        ...publishOptionFields(),
      })
      .meta(DATA_OR_B64DATA),
    result: z.strictObject({
      responses: z.array(z.union([z.strictObject({ result: PublishResultSchema }), ErrorReplySchema])),
    }),
  },
  subscribe: {
    tag: 'users',
    summary: "Subscribe a user's connections to a channel",
    description:
      'Server-side subscription, without permission checks; connections already subscribed or at `client.channel_limit` are skipped. A user without connections is not an error.',
    params: z.object({ user: userField(), channel: channelField(), client: clientField() }),
    result: Empty(),
  },
  unsubscribe: {
    tag: 'users',
    summary: "Unsubscribe a user's connections from a channel",
    description: 'Each subscribed connection gets an `unsubscribe` push with code 2000.',
    params: z.object({ user: userField(), channel: channelField(), client: clientField() }),
    result: Empty(),
  },
  disconnect: {
    tag: 'users',
    summary: "Close a user's connections",
    description: 'Default code 3503 (no reconnect); codes 3000-3499 and 4000-4499 let clients reconnect.',
    params: z.object({
      user: userField(),
      client: clientField(),
      whitelist: z.array(z.string()).optional().describe('Client ids to keep connected.'),
      disconnect: z
        .object({
          code: z.int().min(3000).max(4999).optional().describe('Disconnect code (default 3503).'),
          reason: z
            .string()
            .optional()
            .describe('At most 123 bytes in UTF-8 (it travels in the WebSocket close frame).'),
        })
        .optional(),
    }),
    result: Empty(),
  },
  refresh: {
    tag: 'users',
    summary: "Change the expiry of a user's connections",
    description:
      '`expired: true` closes them with 3005; `expire_at` sets a new expiry and pushes the new `ttl`.',
    params: z.object({
      user: userField(),
      client: clientField(),
      expired: z.boolean().optional().describe('Close the connections now (code 3005).'),
      expire_at: z.int().min(0).optional().describe('New expiry, Unix seconds; 0 lifts it.'),
    }),
    result: Empty(),
  },
  send: {
    tag: 'users',
    summary: "Push a message to a user's connections",
    description:
      'A Switchboard extension (Centrifugo v6 has no such method): each connection gets a `message` push. Nothing is stored. ' +
      'Error 106 for data over `client.max_publication_size`.',
    params: z.object({ user: userField(), data: dataField(), client: clientField() }),
    result: Empty(),
  },
  presence: {
    tag: 'channels',
    summary: 'Clients subscribed to a channel',
    description: 'Cluster-wide. Error 108 when the namespace has no `presence`.',
    params: ChannelRequest(),
    result: z.strictObject({
      presence: z.record(z.string(), ClientInfoSchema).describe('By client id.'),
    }),
  },
  presence_stats: {
    tag: 'channels',
    summary: 'Counts of the clients and users subscribed to a channel',
    description: 'Cluster-wide. Error 108 when the namespace has no `presence`.',
    params: ChannelRequest(),
    result: z.strictObject({
      num_clients: z.int().min(0),
      num_users: z.int().min(0).describe('Distinct users among the clients.'),
    }),
  },
  history: {
    tag: 'channels',
    summary: 'Read the history stream of a channel',
    description:
      'Error 108 when the namespace keeps no history, 112 when `since.epoch` is not the stream epoch.',
    params: z.object({
      channel: channelField(),
      limit: z
        .int()
        .min(-1)
        .optional()
        .describe('0 (default): only the stream position; -1: every kept publication; N: at most N.'),
      since: z
        .object({
          offset: z
            .int()
            .min(0)
            .optional()
            .describe('Only publications after this offset (before it with `reverse`).'),
          epoch: z.string().optional().describe('When given, must be the stream epoch (else 112).'),
        })
        .optional(),
      reverse: z.boolean().optional().describe('Newest first.'),
    }),
    result: z.strictObject({
      epoch: z.string(),
      offset: z.int().min(0).describe('Offset of the latest publication.'),
      publications: z.array(HistoryPublicationSchema),
    }),
  },
  history_remove: {
    tag: 'channels',
    summary: 'Drop the kept publications of a channel',
    description: 'The stream position stays. Error 108 when the namespace keeps no history.',
    params: ChannelRequest(),
    result: Empty('the publications are dropped'),
  },
  channels: {
    tag: 'cluster',
    summary: 'Channels with subscribers, and their counts',
    description: 'Every live node is asked at the time of the call.',
    params: z.object({
      pattern: z
        .string()
        .max(1024)
        .optional()
        .describe('Only channels matching it; `*` matches any run of characters.'),
    }),
    result: z.strictObject({
      channels: z
        .record(z.string(), z.strictObject({ num_clients: z.int().min(0) }))
        .describe('By channel name.'),
    }),
  },
  info: {
    tag: 'cluster',
    summary: 'Every live node with its figures',
    description: 'Sorted by `name`; a node that does not answer within 1.5 s is left out.',
    params: z.object({}),
    result: z.strictObject({
      nodes: z.array(
        z.strictObject({
          uid: z.string().describe('Random id of the node process.'),
          name: z.string().describe('`node.name`.'),
          version: z.string(),
          num_clients: z.int().min(0),
          num_users: z.int().min(0),
          num_channels: z.int().min(0),
          num_subs: z.int().min(0),
          uptime: z.int().min(0).describe('Seconds since the node started.'),
          process: z.strictObject({ rss: z.int().min(0), heap_used: z.int().min(0) }).describe('Bytes.'),
          counters: z
            .strictObject({ publications: z.int().min(0), deliveries: z.int().min(0) })
            .describe('Totals since the node started.'),
        }),
      ),
    }),
  },
  connections: {
    tag: 'cluster',
    summary: "A user's connections (or all), with their nodes and channels",
    description: 'Without `user`: every authenticated connection, at most 1,000 from each node.',
    params: z.object({ user: z.string().optional().describe('User id; `""` lists anonymous connections.') }),
    result: z.strictObject({
      connections: z
        .record(
          z.string(),
          z.strictObject({
            client: z.string(),
            user: z.string(),
            node: z.string().describe('`uid` of the node holding the connection.'),
            node_name: z.string(),
            channels: z.array(z.string()),
            name: z.string().optional().describe("The client's name from its `connect`."),
            version: z.string().optional().describe("The client's version from its `connect`."),
          }),
        )
        .describe('By client id.'),
    }),
  },
  online_users: {
    tag: 'cluster',
    summary: 'Users online in the cluster, paged',
    description: 'Only with `user_events.enabled` (else 108). The last page has no `cursor`.',
    params: z.object({
      limit: z.int().min(1).max(10_000).optional().describe('Users per page (default 1,000).'),
      cursor: z.string().optional().describe('The `cursor` of the previous page.'),
    }),
    result: z.strictObject({
      users: z.array(
        z.strictObject({
          user: z.string(),
          version: z.int().min(0).describe("Version of the user's last online/offline event."),
        }),
      ),
      cursor: z.string().optional().describe('Present while more pages follow.'),
    }),
  },
} as const satisfies Record<string, MethodDescription>;

export type MethodName = keyof typeof methodDescriptions;
