/**
 * The JSON form of the client protocol: text frames, commands and replies separated by `\n`, the
 * ping an empty object. Publication and message data are raw JSON spliced in as they are.
 */
import { isUtf8 } from 'node:buffer';
import type { UnsubscribeCode } from '../codes.js';
import type { Encoding, RefreshPush, ReplyMethod, ReplyResults } from '../encoding.js';
import type { DecodeResult } from '../frame-items.js';
import type { ClientInfo, ProtocolError, Publication, SubscribeResult } from '../types.js';
import { decodeFrame } from './decode.js';
import {
  encodeDeltaPublicationPush,
  encodeDisconnectPush,
  encodeErrorReply,
  encodeJoinPush,
  encodeLeavePush,
  encodeMessagePush,
  encodePublicationPush,
  encodeRefreshPush,
  encodeReplyOf,
  encodeSubscribePush,
  encodeUnsubscribePush,
  PING_FRAME,
} from './encode.js';

const NEWLINE = Buffer.from('\n');
const PING = Buffer.from(PING_FRAME);

function decode(data: Buffer, isBinary: boolean): DecodeResult {
  // The SDKs send text frames; a binary one is read as JSON only if it is valid UTF-8.
  if (isBinary && !isUtf8(data)) return { ok: false, reason: 'frame is not UTF-8 JSON' };
  return decodeFrame(data.toString());
}

function join(frames: readonly Buffer[], bytes: number): Buffer {
  if (frames.length === 1) return frames[0]!;
  const parts: Buffer[] = new Array(frames.length * 2 - 1);
  for (let i = 0; i < frames.length; i++) {
    if (i > 0) parts[i * 2 - 1] = NEWLINE;
    parts[i * 2] = frames[i]!;
  }
  return Buffer.concat(parts, bytes + frames.length - 1);
}

export const jsonEncoding: Encoding = {
  name: 'json',
  slot: 0,
  binary: false,
  ping: PING,
  decode,
  join,
  reply: <M extends ReplyMethod>(id: number, method: M, result: ReplyResults[M]) =>
    Buffer.from(encodeReplyOf(id, method, result)),
  errorReply: (id: number, error: ProtocolError) => Buffer.from(encodeErrorReply(id, error)),
  publicationPush: (channel: string, pub: Publication, epoch: string | undefined) =>
    Buffer.from(encodePublicationPush(channel, pub, epoch)),
  deltaPublicationPush: (
    channel: string,
    pub: Publication,
    epoch: string | undefined,
    patch: Uint8Array | undefined,
  ) => Buffer.from(encodeDeltaPublicationPush(channel, pub, epoch, patch)),
  joinPush: (channel: string, info: ClientInfo) => Buffer.from(encodeJoinPush(channel, info)),
  leavePush: (channel: string, info: ClientInfo) => Buffer.from(encodeLeavePush(channel, info)),
  unsubscribePush: (channel: string, code: UnsubscribeCode, reason?: string) =>
    Buffer.from(encodeUnsubscribePush(channel, code, reason)),
  subscribePush: (channel: string, result: SubscribeResult) =>
    Buffer.from(encodeSubscribePush(channel, result)),
  messagePush: (data: string) => Buffer.from(encodeMessagePush(data)),
  refreshPush: (push: RefreshPush) => Buffer.from(encodeRefreshPush(push)),
  disconnectPush: (code: number, reason: string) => Buffer.from(encodeDisconnectPush(code, reason)),
};
