/**
 * Size limits that keep a connection's outbound queue (`client.queue_max_size`) for what it is meant
 * for: catching clients that do not read. A queue holds two of the largest publications
 * (`client.max_publication_size`, at most half of it), and a reply carries at most half of it, so a
 * client that reads is never dropped as slow for one large publication or reply. Beyond these limits
 * the caller is told (error 106, or `recovered: false`) instead of the client being disconnected.
 */
import type { ClientConfig } from '../config/types.js';
import { EPOCH_LENGTH } from '../engine/stream-epoch.js';
import { ErrorCode } from '../protocol/codes.js';
import { CommandError } from '../protocol/errors.js';
import type { Publication } from '../protocol/types.js';

/**
 * `{"data":` and `}` around the data, `,"offset":` with the longest safe integer, and `,"epoch":"…"`
 * that the publication with offset 1 carries (see `encodePublication`).
 */
const PUBLICATION_FRAMING =
  '{"data":}'.length +
  ',"offset":'.length +
  String(Number.MAX_SAFE_INTEGER).length +
  ',"epoch":""'.length +
  EPOCH_LENGTH;
/** `,"info":` or `,"tags":`. */
const FIELD_FRAMING = ',"info":'.length;
/** `,"version":` with the longest safe integer. */
const VERSION_FRAMING = ',"version":'.length + String(Number.MAX_SAFE_INTEGER).length;

/**
 * Bytes a publication takes once encoded in a push or a reply (see `encodePublication`), never fewer;
 * counted without encoding it, so publishing large data costs a length scan, not a copy.
 */
export function publicationBytes(pub: Publication): number {
  // Binary data is base64 text; JSON clients get it quoted.
  let bytes = PUBLICATION_FRAMING + Buffer.byteLength(pub.data) + (pub.binary === true ? 2 : 0);
  if (pub.info !== undefined) bytes += FIELD_FRAMING + Buffer.byteLength(JSON.stringify(pub.info));
  if (pub.tags !== undefined) bytes += FIELD_FRAMING + Buffer.byteLength(JSON.stringify(pub.tags));
  if (pub.version !== undefined) bytes += VERSION_FRAMING;
  return bytes;
}

/** Bytes of a list of publications as a reply carries them (one comma between two). */
export function publicationsBytes(pubs: readonly Publication[]): number {
  let bytes = 0;
  for (const pub of pubs) bytes += publicationBytes(pub) + 1;
  return bytes;
}

/**
 * Most bytes one reply may carry (recovered or history publications, a presence list): half of the
 * queue, so publications arriving while it is written still fit behind it.
 */
export function replyBudget(client: ClientConfig): number {
  return Math.floor(client.queue_max_size / 2);
}

/** Refuses (106) a publication larger than `client.max_publication_size`: no subscriber could take it. */
export function checkPublicationSize(client: ClientConfig, pub: Publication): void {
  const bytes = publicationBytes(pub);
  if (bytes > client.max_publication_size) {
    throw new CommandError(
      ErrorCode.LimitExceeded,
      `limit exceeded: publication of ${bytes} bytes, client.max_publication_size is ${client.max_publication_size}`,
    );
  }
}

/** Refuses (106) a reply of `bytes` larger than the reply budget; `hint` tells the client what to ask instead. */
export function checkReplySize(client: ClientConfig, what: string, bytes: number, hint: string): void {
  const budget = replyBudget(client);
  if (bytes > budget) {
    throw new CommandError(
      ErrorCode.LimitExceeded,
      `limit exceeded: ${what} reply of ${bytes} bytes, more than ${budget} (half of client.queue_max_size); ${hint}`,
    );
  }
}
