/**
 * Encodes replies and pushes as JSON text. Publications carry their data as raw JSON, so frames
 * that hold publications are assembled by concatenation: the data is never parsed or re-encoded.
 */
import { isUtf8 } from 'node:buffer';
import { type UnsubscribeCode, unsubscribeReason } from '../codes.js';
import { deltaChain } from '../delta/chain.js';
import type { RefreshPush, ReplyMethod, ReplyResults } from '../encoding.js';
import type { ClientInfo, ConnectResult, ProtocolError, Publication, SubscribeResult } from '../types.js';

/** The ping a server sends and the pong a client answers: an empty object. */
export const PING_FRAME = '{}';

/**
 * A publication as JSON text. `epoch` is its stream's epoch: the publication with offset 1 carries it,
 * as in Centrifugo, so a client learns the epoch of a stream that was created (or started over) after
 * it read the position. Later offsets omit it to save bytes. `version` is the publisher's (server
 * API `version`), written when set, as Centrifugo's protocol field.
 */
export function encodePublication(pub: Publication, epoch?: string): string {
  return publicationFields(
    '{"data":' + (pub.binary === true ? JSON.stringify(pub.data) : pub.data),
    pub,
    epoch,
  );
}

/**
 * A publication for a subscription that negotiated delta compression: the data as a JSON string
 * (the SDKs decode it from there), holding the Fossil `patch` with `"delta":true`, or the full
 * data. A patch that is not valid UTF-8 cannot travel in a JSON string: the full data goes instead.
 * No epoch, not even on offset 1: Centrifugo rebuilds delta subscribers' JSON publications without it.
 */
export function encodeDeltaPublication(pub: Publication, patch?: Uint8Array): string {
  if (patch !== undefined && isUtf8(patch)) {
    const text = Buffer.from(patch.buffer, patch.byteOffset, patch.byteLength).toString();
    return publicationFields('{"data":' + JSON.stringify(text) + ',"delta":true', pub, undefined);
  }
  return publicationFields('{"data":' + JSON.stringify(pub.data), pub, undefined);
}

/** The fields after `data` (already in `out`), and the closing brace. */
function publicationFields(start: string, pub: Publication, epoch: string | undefined): string {
  let out = start;
  if (pub.info !== undefined) out += ',"info":' + JSON.stringify(pub.info);
  if (pub.offset !== undefined && pub.offset > 0) out += ',"offset":' + pub.offset;
  if (pub.tags !== undefined) out += ',"tags":' + JSON.stringify(pub.tags);
  if (pub.offset === 1 && epoch !== undefined && epoch !== '') out += ',"epoch":' + JSON.stringify(epoch);
  if (pub.version !== undefined && pub.version > 0) out += ',"version":' + pub.version;
  return out + '}';
}

/**
 * A list of publications of one stream (whose epoch is `epoch`) as a JSON array; with `delta`, as a
 * delta chain (the first in full, each next one a delta against the one before).
 */
export function encodePublications(pubs: readonly Publication[], epoch?: string, delta = false): string {
  const patches = delta ? deltaChain(pubs) : undefined;
  let out = '[';
  for (let i = 0; i < pubs.length; i++) {
    if (i > 0) out += ',';
    out +=
      patches === undefined
        ? encodePublication(pubs[i]!, epoch)
        : encodeDeltaPublication(pubs[i]!, patches[i]);
  }
  return out + ']';
}

/** The push that delivers a publication to a delta subscriber (see `encodeDeltaPublication`). */
export function encodeDeltaPublicationPush(
  channel: string,
  pub: Publication,
  _epoch: string | undefined,
  patch: Uint8Array | undefined,
): string {
  return (
    '{"push":{"channel":' + JSON.stringify(channel) + ',"pub":' + encodeDeltaPublication(pub, patch) + '}}'
  );
}

/** The push that delivers a publication to a subscriber. Built once per publication per node. */
export function encodePublicationPush(channel: string, pub: Publication, epoch?: string): string {
  return '{"push":{"channel":' + JSON.stringify(channel) + ',"pub":' + encodePublication(pub, epoch) + '}}';
}

export function encodeJoinPush(channel: string, info: ClientInfo): string {
  return JSON.stringify({ push: { channel, join: { info } } });
}

export function encodeLeavePush(channel: string, info: ClientInfo): string {
  return JSON.stringify({ push: { channel, leave: { info } } });
}

export function encodeUnsubscribePush(
  channel: string,
  code: UnsubscribeCode,
  reason: string = unsubscribeReason(code),
): string {
  return JSON.stringify({ push: { channel, unsubscribe: { code, reason } } });
}

/** Server-side subscription made after connect (server API `subscribe`). */
export function encodeSubscribePush(channel: string, result: SubscribeResult): string {
  return (
    '{"push":{"channel":' + JSON.stringify(channel) + ',"subscribe":' + encodeSubscribeResult(result) + '}}'
  );
}

export function encodeErrorReply(id: number, error: ProtocolError): string {
  return '{"id":' + id + ',"error":' + JSON.stringify(error) + '}';
}

/** A reply whose result holds no publications. */
export function encodeReply(id: number, method: string, result: object): string {
  return '{"id":' + id + ',"' + method + '":' + JSON.stringify(result) + '}';
}

/** A reply whose result is already JSON text. */
export function encodeRawReply(id: number, method: string, resultJson: string): string {
  return '{"id":' + id + ',"' + method + '":' + resultJson + '}';
}

/** Splices a raw JSON value into an object encoded by JSON.stringify. */
function withRawField(objectJson: string, key: string, raw: string): string {
  if (objectJson === '{}') return '{"' + key + '":' + raw + '}';
  return objectJson.slice(0, -1) + ',"' + key + '":' + raw + '}';
}

/**
 * A subscribe result, with false, zero and empty fields left out as Centrifugo's encoder does
 * (`offset` 0, `recovered: false`): the SDKs read a missing field as its zero value.
 */
export function encodeSubscribeResult(result: SubscribeResult): string {
  let out = '';
  const field = (key: string, json: string): void => {
    out += (out === '' ? '{"' : ',"') + key + '":' + json;
  };
  if (result.expires === true) field('expires', 'true');
  if (result.ttl !== undefined && result.ttl > 0) field('ttl', String(result.ttl));
  if (result.recoverable === true) field('recoverable', 'true');
  if (result.epoch !== undefined && result.epoch !== '') field('epoch', JSON.stringify(result.epoch));
  if (result.publications !== undefined && result.publications.length > 0) {
    field('publications', encodePublications(result.publications, result.epoch, result.delta === true));
  }
  if (result.recovered === true) field('recovered', 'true');
  if (result.offset !== undefined && result.offset > 0) field('offset', String(result.offset));
  if (result.positioned === true) field('positioned', 'true');
  if (result.data !== undefined) field('data', JSON.stringify(result.data));
  if (result.was_recovering === true) field('was_recovering', 'true');
  if (result.delta === true) field('delta', 'true');
  return out === '' ? '{}' : out + '}';
}

/**
 * A result object with one field holding publications (history replies). `epoch`, the stream's, goes
 * into the publication with offset 1 (client protocol only: the server API's publications have none).
 */
export function encodeWithPublications(result: object, pubs: readonly Publication[], epoch?: string): string {
  return withRawField(JSON.stringify(result), 'publications', encodePublications(pubs, epoch));
}

/** A map of channel → subscribe result, for the connect reply's `subs`. */
export function encodeSubscribeResults(subs: ReadonlyMap<string, SubscribeResult>): string {
  let out = '{';
  let first = true;
  for (const [channel, result] of subs) {
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(channel) + ':' + encodeSubscribeResult(result);
  }
  return out + '}';
}

/** A connect result, in the order Centrifugo writes its fields. */
export function encodeConnectResult(r: ConnectResult): string {
  let out = '{"client":' + JSON.stringify(r.client) + ',"version":' + JSON.stringify(r.version);
  if (r.expires === true) out += ',"expires":true,"ttl":' + (r.ttl ?? 0);
  if (r.data !== undefined) out += ',"data":' + JSON.stringify(r.data);
  if (r.subs !== undefined && r.subs.size > 0) out += ',"subs":' + encodeSubscribeResults(r.subs);
  if (r.ping !== undefined && r.ping > 0) out += ',"ping":' + r.ping;
  if (r.pong === true) out += ',"pong":true';
  if (r.session !== undefined && r.session !== '') out += ',"session":' + JSON.stringify(r.session);
  if (r.node !== undefined && r.node !== '') out += ',"node":' + JSON.stringify(r.node);
  if (r.time !== undefined && r.time > 0) out += ',"time":' + r.time;
  return out + '}';
}

/** A result as JSON text, by the method it answers. */
export function encodeResult<M extends ReplyMethod>(method: M, result: ReplyResults[M]): string {
  switch (method) {
    case 'connect':
      return encodeConnectResult(result as ConnectResult);
    case 'subscribe':
      return encodeSubscribeResult(result as SubscribeResult);
    case 'history': {
      const { epoch, offset, publications } = result as ReplyResults['history'];
      return encodeWithPublications({ epoch, offset }, publications, epoch);
    }
    case 'rpc': {
      const { data, binary } = result as ReplyResults['rpc'];
      if (data === undefined) return '{}';
      // Bytes that are not JSON reach a JSON client as their base64, a JSON string.
      return '{"data":' + (binary === true ? JSON.stringify(data) : data) + '}';
    }
    default:
      return JSON.stringify(result);
  }
}

/** A reply to command `id`. */
export function encodeReplyOf<M extends ReplyMethod>(id: number, method: M, result: ReplyResults[M]): string {
  return encodeRawReply(id, method, encodeResult(method, result));
}

/** The `message` push; the data is spliced in as it came, like publication data. */
export function encodeMessagePush(data: string): string {
  return '{"push":{"message":{"data":' + data + '}}}';
}

/** The `disconnect` push. */
export function encodeDisconnectPush(code: number, reason: string): string {
  return '{"push":{"disconnect":{"code":' + code + ',"reason":' + JSON.stringify(reason) + '}}}';
}

/** The `refresh` push. */
export function encodeRefreshPush(push: RefreshPush): string {
  return push.expires
    ? '{"push":{"refresh":{"expires":true,"ttl":' + (push.ttl ?? 0) + '}}}'
    : '{"push":{"refresh":{"expires":false}}}';
}
