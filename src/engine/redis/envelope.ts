/**
 * The wire format between nodes, one string per pub/sub message. The first character is the type:
 *
 * - `p<offset>:<epoch>:<body>`  a publication; offset and epoch are empty without history
 * - `j<info JSON>` / `l<info JSON>`  a join / leave
 * - `c<data>`  a control message (on the control channel)
 *
 * A publication `<body>` is `<metaLength>:<metaJson><data>`: `metaJson` holds `info`, `tags`,
 * `time`, `version`, `b` (binary data) and `d` (delta allowed) (only those set; empty when none is), `metaLength` is its length in UTF-16 code units (the
 * unit of `String#length` and `slice`), and `data` is the publication's raw JSON text, untouched to
 * the end of the message. So a receiving node slices the data out and never parses it, and only
 * parses the (usually absent) meta. History streams store the same `<body>`; offset and epoch come
 * from the entry id and the stream meta.
 */
import type { ClientInfo, Publication } from '../../protocol/types.js';
import type { BrokerEvent } from '../types.js';

/** A message that is not in the envelope format (for example written by something else). */
export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
  readonly code = 'ENGINE_BAD_ENVELOPE';
}

interface Meta {
  /** `Publication.binary`. */
  b?: 1;
  /** `Publication.delta`. */
  d?: 1;
  info?: ClientInfo;
  tags?: Record<string, string>;
  time?: number;
  version?: number;
}

/** The `<metaLength>:<metaJson><data>` body of a publication; its offset is not part of it. */
export function encodeBody(pub: Publication): string {
  if (
    pub.info === undefined &&
    pub.tags === undefined &&
    pub.time === undefined &&
    pub.version === undefined &&
    pub.binary !== true &&
    pub.delta !== true
  )
    return `0:${pub.data}`;
  const meta: Meta = {};
  if (pub.binary === true) meta.b = 1;
  if (pub.delta === true) meta.d = 1;
  if (pub.info !== undefined) meta.info = pub.info;
  if (pub.tags !== undefined) meta.tags = pub.tags;
  if (pub.time !== undefined) meta.time = pub.time;
  if (pub.version !== undefined) meta.version = pub.version;
  const json = JSON.stringify(meta);
  return `${json.length}:${json}${pub.data}`;
}

/** A publication message without history (no offset, no epoch). */
export function encodePublication(body: string, offset?: number, epoch?: string): string {
  return offset === undefined ? `p::${body}` : `p${offset}:${epoch ?? ''}:${body}`;
}

export function encodeJoin(info: ClientInfo): string {
  return `j${JSON.stringify(info)}`;
}

export function encodeLeave(info: ClientInfo): string {
  return `l${JSON.stringify(info)}`;
}

export function encodeControl(data: string): string {
  return `c${data}`;
}

/**
 * Decodes a message received on `channel`'s pub/sub channel, or on the control channel when
 * `channel` is undefined. Throws `EnvelopeError` on anything malformed.
 */
export function decodeMessage(channel: string | undefined, message: string): BrokerEvent {
  const type = message.charCodeAt(0);
  if (channel === undefined) {
    if (type !== C) throw new EnvelopeError(`control channel message of unknown type ${describe(message)}`);
    return { type: 'control', data: message.slice(1) };
  }
  switch (type) {
    case P: {
      const offsetEnd = message.indexOf(':', 1);
      const epochEnd = offsetEnd < 0 ? -1 : message.indexOf(':', offsetEnd + 1);
      if (epochEnd < 0) throw new EnvelopeError(`publication without offset and epoch ${describe(message)}`);
      if (offsetEnd === 1) {
        return {
          type: 'publication',
          channel,
          pub: decodeBody(message, epochEnd + 1, undefined),
          epoch: undefined,
        };
      }
      const offset = parseDigits(message, 1, offsetEnd);
      const pub = decodeBody(message, epochEnd + 1, offset);
      return { type: 'publication', channel, pub, epoch: message.slice(offsetEnd + 1, epochEnd) };
    }
    case J:
      return { type: 'join', channel, info: parseInfo(message) };
    case L:
      return { type: 'leave', channel, info: parseInfo(message) };
    default:
      throw new EnvelopeError(`message of unknown type ${describe(message)}`);
  }
}

/** Decodes a publication body read from a history stream. */
export function decodeStored(body: string, offset: number): Publication {
  return decodeBody(body, 0, offset);
}

/** The body starting at `start` in `text`; fields are set only when defined, like the memory engine. */
function decodeBody(text: string, start: number, offset: number | undefined): Publication {
  const colon = text.indexOf(':', start);
  if (colon < 0) throw new EnvelopeError(`publication body without meta length ${describe(text)}`);
  const metaLength = parseDigits(text, start, colon);
  const dataStart = colon + 1 + metaLength;
  if (dataStart > text.length)
    throw new EnvelopeError(`publication meta longer than the message ${describe(text)}`);
  const pub: Publication = { data: text.slice(dataStart) };
  if (offset !== undefined) pub.offset = offset;
  if (metaLength > 0) {
    let meta: Meta;
    try {
      meta = JSON.parse(text.slice(colon + 1, dataStart)) as Meta;
    } catch (error) {
      throw new EnvelopeError(`publication meta is not JSON ${describe(text)}`, { cause: error });
    }
    if (meta.b === 1) pub.binary = true;
    if (meta.d === 1) pub.delta = true;
    if (meta.info !== undefined) pub.info = meta.info;
    if (meta.tags !== undefined) pub.tags = meta.tags;
    if (meta.time !== undefined) pub.time = meta.time;
    if (meta.version !== undefined) pub.version = meta.version;
  }
  return pub;
}

function parseInfo(message: string): ClientInfo {
  try {
    return JSON.parse(message.slice(1)) as ClientInfo;
  } catch (error) {
    throw new EnvelopeError(`join or leave with bad client info ${describe(message)}`, { cause: error });
  }
}

/** The decimal number in `text[start, end)`; digits only, as the encoder writes it. */
function parseDigits(text: string, start: number, end: number): number {
  if (end <= start || end - start > 15) throw new EnvelopeError(`bad number in ${describe(text)}`);
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) throw new EnvelopeError(`bad number in ${describe(text)}`);
    value = value * 10 + digit;
  }
  return value;
}

function describe(message: string): string {
  return JSON.stringify(message.length > 60 ? `${message.slice(0, 60)}…` : message);
}

const P = 'p'.charCodeAt(0);
const J = 'j'.charCodeAt(0);
const L = 'l'.charCodeAt(0);
const C = 'c'.charCodeAt(0);
const ZERO = '0'.charCodeAt(0);
