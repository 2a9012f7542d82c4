/**
 * The Protobuf form of the client protocol (`centrifuge-protobuf` WebSocket subprotocol, or
 * `?format=protobuf`): binary frames of varint-length-delimited `Command`s and `Reply`s as
 * defined in `client.proto` here, the ping an empty `Reply` (0x00), the pong an empty `Command`.
 * The codecs are written by hand on `@bufbuild/protobuf`'s wire reader and writer; nothing is
 * generated.
 */
import type { Encoding } from '../encoding.js';
import type { DecodeResult } from '../frame-items.js';
import { decodeCommands } from './decode.js';
import {
  encodeDeltaPublicationPush,
  encodeDisconnectPush,
  encodeErrorReply,
  encodeJoinPush,
  encodeLeavePush,
  encodeMessagePush,
  encodePublicationPush,
  encodeRefreshPush,
  encodeReply,
  encodeSubscribePush,
  encodeUnsubscribePush,
  joinFrames,
  PING_FRAME,
} from './encode.js';

/**
 * Centrifugo decodes whatever message type arrives with the connection's protocol, so a text
 * frame is read as Protobuf bytes too (a WebSocket text frame is valid UTF-8, which is still bytes).
 */
function decode(data: Buffer, _isBinary: boolean): DecodeResult {
  return decodeCommands(data);
}

/** The Protobuf encoding: slot 1 of the per-encoding frame caches, binary frames. */
export const protobufEncoding: Encoding = {
  name: 'protobuf',
  slot: 1,
  binary: true,
  ping: PING_FRAME,
  decode,
  join: joinFrames,
  reply: encodeReply,
  errorReply: encodeErrorReply,
  publicationPush: encodePublicationPush,
  deltaPublicationPush: encodeDeltaPublicationPush,
  joinPush: encodeJoinPush,
  leavePush: encodeLeavePush,
  unsubscribePush: encodeUnsubscribePush,
  subscribePush: encodeSubscribePush,
  messagePush: encodeMessagePush,
  refreshPush: encodeRefreshPush,
  disconnectPush: encodeDisconnectPush,
};

export { decodeCommands } from './decode.js';
export { dataBytes, jsonText } from './wire.js';
