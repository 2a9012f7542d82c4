/**
 * Room in a buffer the parsers own, for bytes copied out of socket reads: a view into a read would
 * keep the whole read alive, so what is held across reads lives in buffers of its own, sized to what
 * is held.
 */

/** Smallest buffer made, so that a message arriving in small pieces is not copied at every piece. */
const MIN_CAPACITY = 256;

/**
 * `buffer` (its first `length` bytes kept) with room for at least `want` bytes: grown by doubling,
 * never past `cap` (`want` must not exceed it), so it holds at most about twice what it must.
 * A buffer of its own memory (not a slice of Node's shared pool, which it would keep alive).
 */
export function reserve(buffer: Buffer | null, length: number, want: number, cap: number): Buffer {
  if (buffer !== null && buffer.length >= want) return buffer;
  const size = Math.min(cap, Math.max(want, MIN_CAPACITY, buffer === null ? 0 : buffer.length * 2));
  const grown = Buffer.allocUnsafeSlow(size);
  if (buffer !== null) buffer.copy(grown, 0, 0, length);
  return grown;
}

/** Bytes of memory behind `buffer` (its whole backing store, not just the view). */
export function backingBytes(buffer: Buffer | null): number {
  return buffer === null ? 0 : buffer.buffer.byteLength;
}
