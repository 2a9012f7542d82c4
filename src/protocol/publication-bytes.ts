/**
 * A publication's data as bytes: the UTF-8 of its JSON text, or the bytes its base64 holds when
 * it is binary. What Protobuf clients receive, and what Fossil deltas are computed over (the SDKs
 * apply deltas to these bytes: the UTF-8 of the JSON text in the JSON protocol too).
 */
import type { Publication } from './types.js';

export function publicationBytes(pub: Pick<Publication, 'data' | 'binary'>): Buffer {
  return pub.binary === true ? Buffer.from(pub.data, 'base64') : Buffer.from(pub.data);
}
