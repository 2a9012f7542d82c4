/**
 * The shapes several server API methods share, as zod schemas the OpenAPI description is generated
 * from (`document.ts`): the error object and its reply, a client in presence, a stream position,
 * a publication read from history, the options of `publish` and `broadcast`.
 */
import { z } from 'zod';
import { ErrorCode, errorMessage } from '../../protocol/codes.js';

/** `code — meaning` for every public error code, from the protocol's own table. */
const errorCodes = (Object.values(ErrorCode).filter((v) => typeof v === 'number') as ErrorCode[])
  .map((code) => `${code} ${errorMessage(code)}`)
  .join(', ');

export const ApiErrorSchema = z
  .strictObject({
    code: z
      .int()
      .min(100)
      .describe(`Centrifugo's public error code: ${errorCodes}. Branch on it, never on the message.`),
    message: z.string().describe('What was wrong, naming the parameter when one was.'),
    temporary: z
      .boolean()
      .optional()
      .describe(
        'Present (true) when the same call may succeed when retried unchanged, such as an engine outage (100).',
      ),
  })
  .describe('An error of the call.');

export const ErrorReplySchema = z
  .strictObject({ error: ApiErrorSchema })
  .describe('The call failed: HTTP status 200 for a method-level error, 4xx/5xx for a refused request.');

/** A non-empty, well-formed channel name. */
export const channelField = () =>
  z
    .string()
    .min(1)
    .describe(
      'Channel name: at most `channel.max_length` characters, well-formed Unicode, in a configured namespace (else 102).',
    );

/** The `user` parameter of the methods that target a user's connections. */
export const userField = () =>
  z.string().describe('User id; `""` is the anonymous user. Well-formed Unicode.');

/** The `client` parameter that narrows a user-targeted method to one connection. */
export const clientField = () =>
  z.string().optional().describe('Only this connection (client id) of the user.');

/** Publication data: any JSON value, `null` included. */
export const dataField = () =>
  z.unknown().describe('Any JSON value (`null` included), delivered to subscribers as it is.');

/** The base64 alternative to `data`. */
export const b64dataField = () =>
  z
    .base64()
    .optional()
    .describe(
      'Binary data as base64, used when `data` is absent: Protobuf clients get the bytes, JSON clients the base64 text.',
    );

/** The options `publish` and `broadcast` share (`delta` included). */
export const publishOptionFields = () => ({
  idempotency_key: z
    .string()
    .optional()
    .describe(
      'A repeat within `http_api.idempotency_ttl` returns the first result and delivers nothing; `""` means none.',
    ),
  tags: z.record(z.string(), z.string()).optional().describe('Attached to the publication (`pub.tags`).'),
  skip_history: z.boolean().optional().describe('Deliver without appending to the channel history.'),
  delta: z
    .boolean()
    .optional()
    .describe('Subscribers that negotiated delta compression may get this publication as a Fossil delta.'),
  version: z
    .int()
    .min(0)
    .optional()
    .describe(
      'Version of the state the data carries (0: none); on a channel with history a version not above the last accepted one is dropped.',
    ),
  version_epoch: z.string().optional().describe('Names the series `version` counts in.'),
});

/** One of `data` and `b64data` must be present (`data` wins when both are). */
export const DATA_OR_B64DATA = { anyOf: [{ required: ['data'] }, { required: ['b64data'] }] };

export const PublishResultSchema = z
  .strictObject({
    offset: z.int().min(0).optional().describe('Offset of the publication in the channel stream.'),
    epoch: z.string().optional().describe('Epoch of the channel stream.'),
  })
  .describe('Empty on a channel without history (or with `skip_history`); the stream position otherwise.');

export const ClientInfoSchema = z
  .strictObject({
    user: z.string(),
    client: z.string().describe('Client id of the connection.'),
    conn_info: z.unknown().optional().describe("The connection token's `info` claim, when it had one."),
    chan_info: z.unknown().optional().describe("The subscription token's `info` claim, when it had one."),
  })
  .describe('A connection subscribed to a channel.');

export const HistoryPublicationSchema = z
  .strictObject({
    data: z.unknown().describe('The data as published (base64 text for binary data).'),
    offset: z.int().min(1),
    tags: z.record(z.string(), z.string()).optional(),
    info: ClientInfoSchema.optional().describe('The publishing client, for client publications.'),
  })
  .describe('A publication kept in a channel history.');
