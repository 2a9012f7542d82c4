/**
 * Fossil deltas (fossil-scm `src/delta.c`, www/delta_format.wiki): what Centrifugo's delta compression
 * (`delta: "fossil"`) sends instead of a publication's data, made against the previous publication's
 * data. A delta is ASCII commands around raw bytes; integers are written in the base-64 alphabet
 * `0-9 A-Z _ a-z ~`, most significant digit first:
 *
 * - `<size>\n` the header: the length of the target
 * - `<n>@<offset>,` copy n bytes of the source starting at offset
 * - `<n>:<n bytes>` insert the n bytes that follow
 * - `<checksum>;` the end: the checksum of the target (see {@link checksum})
 *
 * The encoder indexes the source in 16-byte blocks by a rolling hash, slides a 16-byte window over the
 * target and, where the window's hash names source blocks, extends each candidate match both ways and
 * takes the longest one that is worth its command. It follows the Go port Centrifugo links
 * (github.com/shadowspore/fossil-delta) step by step, so it produces the same bytes; its test vectors
 * were made by fossil itself and test/fixtures/fossil holds them.
 */

/** Window and block size of the rolling hash (delta.c's NHASH). */
const NHASH = 16;
/** Candidate blocks tried per window position, as many as the Go port tries. */
const MAX_CANDIDATES = 249;
/** Scratch buffers up to this many bytes are kept between calls; bigger ones would pin memory. */
const SCRATCH_LIMIT = 1 << 18;

const NL = 0x0a;
const AT = 0x40;
const COMMA = 0x2c;
const COLON = 0x3a;
const SEMICOLON = 0x3b;

const DIGITS = new TextEncoder().encode('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~');
/** Byte -> digit value, -1 for a byte that is not a digit. */
const DIGIT_VALUE = new Int8Array(256).fill(-1);
DIGITS.forEach((byte, value) => {
  DIGIT_VALUE[byte] = value;
});

/** Stable codes of {@link FossilDeltaError}. */
export type FossilDeltaErrorCode =
  /** Not in the delta syntax: a missing integer or terminator, an unknown command, bytes after the end. */
  | 'FOSSIL_DELTA_MALFORMED'
  /** A command reaches outside the source, the delta or the declared target size. */
  | 'FOSSIL_DELTA_OUT_OF_RANGE'
  /** The commands produce fewer bytes than the header declares. */
  | 'FOSSIL_DELTA_SIZE_MISMATCH'
  /** The target does not match the checksum: usually a delta applied to the wrong source. */
  | 'FOSSIL_DELTA_BAD_CHECKSUM';

/**
 * A delta that {@link applyFossilDelta} refused; `code` is stable, the message says where and why.
 * Whatever the code, the delta was damaged or made against another source: it cannot be used, and the
 * receiver needs the full data again.
 */
export class FossilDeltaError extends Error {
  override readonly name = 'FossilDeltaError';
  constructor(
    readonly code: FossilDeltaErrorCode,
    message: string,
  ) {
    super(`fossil delta: ${message}`);
  }
}

/** Number of base-64 digits `v` is written with. */
function digitCount(v: number): number {
  let n = 1;
  for (let x = 64; v >= x; x *= 64) n++;
  return n;
}

/** Writes `v` (below 2^32) at `pos`; returns the position after it. */
function putInt(out: Uint8Array, pos: number, v: number): number {
  const end = pos + digitCount(v);
  for (let j = end - 1; j >= pos; j--) {
    out[j] = DIGITS[v & 63]!;
    v >>>= 6;
  }
  return end;
}

/** Writes the insert command for `target[start, end)`; returns the position after it. */
function putInsert(out: Uint8Array, pos: number, target: Uint8Array, start: number, end: number): number {
  pos = putInt(out, pos, end - start);
  out[pos++] = COLON;
  // Most inserts in a JSON delta are a few bytes, where a loop beats creating a subarray view.
  if (end - start < 32) {
    for (let k = start; k < end; k++) out[pos++] = target[k]!;
    return pos;
  }
  out.set(target.subarray(start, end), pos);
  return pos + end - start;
}

/**
 * Fossil's 32-bit checksum: the bytes read as big-endian 32-bit words (the tail zero-padded), summed
 * modulo 2^32. Four lanes add the bytes of each word position and are shifted into place at the end.
 */
function checksum(data: Uint8Array): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const words = data.length & ~3;
  for (let z = 0; z < words; z += 4) {
    s0 = (s0 + data[z]!) | 0;
    s1 = (s1 + data[z + 1]!) | 0;
    s2 = (s2 + data[z + 2]!) | 0;
    s3 = (s3 + data[z + 3]!) | 0;
  }
  let sum = (s3 + (s2 << 8) + (s1 << 16) + (s0 << 24)) | 0;
  const tail = data.length & 3;
  if (tail >= 3) sum = (sum + (data[words + 2]! << 8)) | 0;
  if (tail >= 2) sum = (sum + (data[words + 1]! << 16)) | 0;
  if (tail >= 1) sum = (sum + (data[words]! << 24)) | 0;
  return sum >>> 0;
}

/** Writes the checksum command and returns the delta: a copy of `out` up to `pos` plus that command. */
function finish(out: Uint8Array, pos: number, target: Uint8Array): Uint8Array {
  pos = putInt(out, pos, checksum(target));
  out[pos++] = SEMICOLON;
  return out === scratchOut ? out.slice(0, pos) : out.subarray(0, pos);
}

// Reused between calls: allocating a zeroed 2 KB buffer costs as much as hashing the source, while
// copying out a delta of a few dozen bytes costs next to nothing. Calls never overlap (no await).
let scratchOut = new Uint8Array(4096);
let scratchTable = new Int32Array(1024);

/** A buffer for `length` bytes: the reused one when it fits under the limit, a new one otherwise. */
function outputBuffer(length: number): Uint8Array {
  if (length <= scratchOut.length) return scratchOut;
  if (length > SCRATCH_LIMIT) return new Uint8Array(length);
  scratchOut = new Uint8Array(length);
  return scratchOut;
}

/**
 * Creates the Fossil delta that turns `source` into `target`, byte for byte what the Go port
 * (github.com/shadowspore/fossil-delta, used by Centrifugo) creates. A delta is at most
 * `target.length + 21` bytes; callers compare the lengths and send the full data when the delta is not
 * shorter, as Centrifugo does. The delta is raw bytes: between two UTF-8 texts it need not be UTF-8.
 * The result is the caller's to keep.
 */
export function createFossilDelta(source: Uint8Array, target: Uint8Array): Uint8Array {
  const lenSrc = source.length;
  const lenOut = target.length;
  if (lenOut > 0xffffffff) throw new RangeError('fossil delta: the target is longer than 2^32 - 1 bytes');
  // A copy is taken only when its commands are no longer than the bytes they stand for, so the delta
  // is at most the target, two integers of up to 6 digits with their terminators and the checksum.
  const out = outputBuffer(lenOut + 24);
  let pos = putInt(out, 0, lenOut);
  out[pos++] = NL;
  if (lenSrc <= NHASH) return finish(out, putInsert(out, pos, target, 0, lenOut), target);

  // One table: landmark[hash] (first block with that hash) at [0, nHash), collide[block] (next block
  // with the same hash) at [nHash, 2 * nHash); -1 ends a chain.
  const nHash = Math.floor(lenSrc / NHASH);
  let table = scratchTable;
  if (table.length < 2 * nHash) {
    table = new Int32Array(2 * nHash);
    if (table.byteLength <= SCRATCH_LIMIT) scratchTable = table;
  }
  table.fill(-1, 0, nHash);
  for (let i = 0, block = 0; i < lenSrc - NHASH; i += NHASH, block++) {
    // b sums the running sums of a: each byte weighted by its distance from the window's end.
    let a = 0;
    let b = 0;
    for (let k = i; k < i + NHASH; k++) {
      a += source[k]!;
      b += a;
    }
    const slot = (((a & 0xffff) | ((b & 0xffff) << 16)) >>> 0) % nHash;
    table[nHash + block] = table[slot]!;
    table[slot] = block;
  }

  let base = 0;
  while (base + NHASH < lenOut) {
    // The rolling hash of target[base + i, base + i + NHASH): a is the byte sum, b the sum weighted
    // by distance from the window's end, both modulo 2^16.
    let a = 0;
    let b = 0;
    for (let k = base; k < base + NHASH; k++) {
      a += target[k]!;
      b += a;
    }
    a &= 0xffff;
    b &= 0xffff;
    let i = 0;
    let bestCnt = 0;
    let bestOfst = 0;
    let bestLitsz = 0;
    for (;;) {
      let block = table[((a | (b << 16)) >>> 0) % nHash]!;
      for (let limit = MAX_CANDIDATES; block >= 0 && limit > 0; limit--) {
        const iSrc = block * NHASH;
        let x = iSrc;
        let y = base + i;
        while (x < lenSrc && y < lenOut && source[x] === target[y]) {
          x++;
          y++;
        }
        // Backwards from the block, but never to source offset 0 nor before base (as delta.c).
        let k = 1;
        while (k < iSrc && k <= i && source[iSrc - k] === target[base + i - k]) k++;
        k--;
        const cnt = x - iSrc + k;
        if (cnt > bestCnt) {
          const ofst = iSrc - k;
          const litsz = i - k;
          if (cnt >= digitCount(litsz) + digitCount(cnt) + digitCount(ofst) + 3) {
            bestCnt = cnt;
            bestOfst = ofst;
            bestLitsz = litsz;
          }
        }
        block = table[nHash + block]!;
      }
      if (bestCnt > 0) {
        if (bestLitsz > 0) {
          pos = putInsert(out, pos, target, base, base + bestLitsz);
          base += bestLitsz;
        }
        base += bestCnt;
        pos = putInt(out, pos, bestCnt);
        out[pos++] = AT;
        pos = putInt(out, pos, bestOfst);
        out[pos++] = COMMA;
        break;
      }
      if (base + i + NHASH >= lenOut) {
        pos = putInsert(out, pos, target, base, lenOut);
        base = lenOut;
        break;
      }
      const gone = target[base + i]!;
      a = (a - gone + target[base + i + NHASH]!) & 0xffff;
      b = (b - NHASH * gone + a) & 0xffff;
      i++;
    }
  }
  if (base < lenOut) pos = putInsert(out, pos, target, base, lenOut);
  return finish(out, pos, target);
}

function malformed(message: string): FossilDeltaError {
  return new FossilDeltaError('FOSSIL_DELTA_MALFORMED', message);
}

function outOfRange(message: string): FossilDeltaError {
  return new FossilDeltaError('FOSSIL_DELTA_OUT_OF_RANGE', message);
}

/** Reads the integer at `cursor.pos` and moves past it; at least one digit is required. */
function readInt(delta: Uint8Array, cursor: { pos: number }, what: string): number {
  const start = cursor.pos;
  let v = 0;
  let pos = start;
  for (; pos < delta.length; pos++) {
    const digit = DIGIT_VALUE[delta[pos]!]!;
    if (digit < 0) break;
    v = v * 64 + digit;
    if (v > 0xffffffff) throw malformed(`${what} at byte ${start} exceeds 2^32`);
  }
  if (pos === start) throw malformed(`expected ${what} at byte ${start}`);
  cursor.pos = pos;
  return v;
}

/**
 * Applies a Fossil delta to `source` and returns the target. Stricter than fossil and the SDK
 * decoders: integers need a digit, a copy needs its `,`, nothing may follow the checksum. Throws a
 * {@link FossilDeltaError} for a malformed delta, one reaching outside its source, a size mismatch or
 * a bad checksum.
 */
export function applyFossilDelta(source: Uint8Array, delta: Uint8Array): Uint8Array {
  const cursor = { pos: 0 };
  const size = readInt(delta, cursor, 'the target size');
  if (delta[cursor.pos++] !== NL) throw malformed(`the target size is not followed by '\\n'`);
  // A copy command takes at least 4 bytes and copies at most the whole source, inserts at most the
  // delta: a bigger header cannot be honest, and is refused before it is allocated.
  if (size > delta.length + Math.floor(delta.length / 4) * source.length) {
    throw outOfRange(`target size ${size} is more than a ${delta.length}-byte delta can make`);
  }
  const out = new Uint8Array(size);
  let total = 0;
  while (cursor.pos < delta.length) {
    const at = cursor.pos;
    const cnt = readInt(delta, cursor, 'a count');
    const op = delta[cursor.pos++];
    if (op === SEMICOLON) {
      if (cursor.pos !== delta.length)
        throw malformed(`${delta.length - cursor.pos} bytes follow the checksum`);
      if (total !== size) {
        throw new FossilDeltaError(
          'FOSSIL_DELTA_SIZE_MISMATCH',
          `the commands make ${total} of ${size} bytes`,
        );
      }
      const actual = checksum(out);
      if (actual !== cnt) {
        const sums = `${actual.toString(16)}, the delta says ${cnt.toString(16)}`;
        throw new FossilDeltaError('FOSSIL_DELTA_BAD_CHECKSUM', `the target's checksum is ${sums}`);
      }
      return out;
    }
    if (op !== AT && op !== COLON) {
      const found = op === undefined ? 'the end' : `byte 0x${op.toString(16)}`;
      throw malformed(`expected '@', ':' or ';' at byte ${cursor.pos - 1}, found ${found}`);
    }
    if (total + cnt > size) throw outOfRange(`command at byte ${at} writes past target size ${size}`);
    if (op === AT) {
      const ofst = readInt(delta, cursor, 'a copy offset');
      if (delta[cursor.pos++] !== COMMA) throw malformed(`copy at byte ${at} is not terminated by ','`);
      if (ofst + cnt > source.length) {
        throw outOfRange(
          `copy at byte ${at} reads [${ofst}, ${ofst + cnt}) of a ${source.length}-byte source`,
        );
      }
      out.set(source.subarray(ofst, ofst + cnt), total);
    } else {
      if (cursor.pos + cnt > delta.length)
        throw outOfRange(`insert at byte ${at} runs past the end of the delta`);
      out.set(delta.subarray(cursor.pos, cursor.pos + cnt), total);
      cursor.pos += cnt;
    }
    total += cnt;
  }
  throw malformed('the delta ends without a checksum command');
}
