/**
 * Server frames of the Protobuf encoding: each is one `Reply` prefixed with its length as a varint,
 * so the frames of one event-loop turn join into one WebSocket message by plain concatenation, as
 * Centrifugo writes them (`ProtobufDataEncoder`). A push is a `Reply` with only `push` set.
 *
 * One `BinaryWriter` serves every frame: encoding is synchronous, and a writer keeps its buffer
 * between messages, so a frame costs one exact-size copy out of it instead of a buffer grown from
 * scratch. After a large frame the writer is replaced, so one big history reply does not pin its
 * buffer for the life of the process.
 */
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { type UnsubscribeCode, unsubscribeReason } from '../codes.js';
import type { RefreshPush, ReplyMethod, ReplyResults } from '../encoding.js';
import type { ClientInfo, ProtocolError, Publication, SubscribeResult } from '../types.js';
import {
  RESULT_FIELDS,
  writeClientInfoField,
  writeData,
  writeResult,
  writeString,
  writeSubscribePushBody,
  writeTrue,
  writeUint32,
} from './messages.js';
import { encodePublicationPushFrame } from './publication.js';

const LEN = WireType.LengthDelimited;

/** The server's ping: an empty `Reply`, i.e. its length, 0. */
export const PING_FRAME: Buffer = Buffer.from([0]);

/** Largest buffer the shared writer keeps between frames. */
const KEEP_BYTES = 64 * 1024;

let writer = new BinaryWriter();

/** Runs `write` for the fields of one `Reply` and returns the length-prefixed frame. */
function frame(write: (w: BinaryWriter) => void): Buffer {
  const w = writer;
  w.fork();
  try {
    write(w);
  } catch (error) {
    // A value the writer refused (a fraction where a uint32 goes) left forks open: start afresh.
    writer = new BinaryWriter();
    throw error;
  }
  const bytes = w.join().finish();
  if (bytes.length > KEEP_BYTES) writer = new BinaryWriter();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `Push` fields of a push frame: `channel` (when there is one), then the push's own message. */
function pushFrame(channel: string, field: number, write: (w: BinaryWriter) => void): Buffer {
  return frame((w) => {
    w.tag(4, LEN).fork();
    writeString(w, 2, channel);
    w.tag(field, LEN).fork();
    write(w);
    w.join().join();
  });
}

/** The reply to command `id`. An empty result is still written, as an empty message. */
export function encodeReply<M extends ReplyMethod>(id: number, method: M, result: ReplyResults[M]): Buffer {
  return frame((w) => {
    writeUint32(w, 1, id);
    w.tag(RESULT_FIELDS[method], LEN).fork();
    writeResult(w, method, result);
    w.join();
  });
}

export function encodeErrorReply(id: number, error: ProtocolError): Buffer {
  return frame((w) => {
    writeUint32(w, 1, id);
    w.tag(2, LEN).fork();
    writeUint32(w, 1, error.code);
    writeString(w, 2, error.message);
    writeTrue(w, 3, error.temporary);
    w.join();
  });
}

/** The push of a publication, written once per publication per node (the fan-out's hot path). */
export function encodePublicationPush(channel: string, pub: Publication, epoch: string | undefined): Buffer {
  return encodePublicationPushFrame(channel, pub, epoch);
}

/**
 * The push of a publication to a delta subscriber: the Fossil `patch` as data with `delta` set, or
 * (no patch) the same bytes as any subscriber's, as Protobuf carries full data as bytes either way.
 */
export function encodeDeltaPublicationPush(
  channel: string,
  pub: Publication,
  epoch: string | undefined,
  patch: Uint8Array | undefined,
): Buffer {
  return encodePublicationPushFrame(channel, pub, epoch, patch);
}

export function encodeJoinPush(channel: string, info: ClientInfo): Buffer {
  return pushFrame(channel, 5, (w) => writeClientInfoField(w, 1, info));
}

export function encodeLeavePush(channel: string, info: ClientInfo): Buffer {
  return pushFrame(channel, 6, (w) => writeClientInfoField(w, 1, info));
}

/** `reason` defaults to the code's standard one, as in the JSON encoder. */
export function encodeUnsubscribePush(
  channel: string,
  code: UnsubscribeCode,
  reason: string = unsubscribeReason(code),
): Buffer {
  return pushFrame(channel, 7, (w) => {
    writeUint32(w, 2, code);
    writeString(w, 3, reason);
  });
}

/** A server-side subscription made after connect (server API `subscribe`). */
export function encodeSubscribePush(channel: string, result: SubscribeResult): Buffer {
  return pushFrame(channel, 9, (w) => writeSubscribePushBody(w, result));
}

/** The `message` push (server API `send`); its data goes in as it came. */
export function encodeMessagePush(data: string | Uint8Array): Buffer {
  return pushFrame('', 8, (w) => writeData(w, 1, data));
}

export function encodeRefreshPush(push: RefreshPush): Buffer {
  return pushFrame('', 12, (w) => {
    writeTrue(w, 1, push.expires);
    if (push.expires) writeUint32(w, 2, push.ttl);
  });
}

export function encodeDisconnectPush(code: number, reason: string): Buffer {
  return pushFrame('', 11, (w) => {
    writeUint32(w, 1, code);
    writeString(w, 2, reason);
  });
}

/** The frames of one turn as one message: they are self-delimiting, so back to back. */
export function joinFrames(frames: readonly Buffer[], bytes: number): Buffer {
  if (frames.length === 1) return frames[0]!;
  return Buffer.concat(frames, bytes);
}
