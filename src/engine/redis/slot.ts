/**
 * Redis Cluster hash slots (CRC16/XMODEM of the hash tag, mod 16384), so the cluster subscriber can
 * send one SSUBSCRIBE per slot (Redis rejects a sharded subscribe whose channels span slots) and
 * the stream scripts can name the seed key of a channel's slot (`slot-tags.ts`).
 */

/** How many hash slots Redis Cluster has. */
export const SLOT_COUNT = 16384;

const TABLE = buildTable();

function buildTable(): Uint16Array {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
}

/** The cluster slot of a key or sharded channel name. */
export function hashSlot(key: string): number {
  const tag = hashTagOf(key);
  let crc = 0;
  for (let i = 0; i < tag.length; i++) {
    const code = tag.charCodeAt(i);
    // Non-ASCII: hash the UTF-8 bytes, as Redis sees them.
    if (code >= 0x80) return crcOf(Buffer.from(tag, 'utf8'));
    crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ code) & 0xff]!;
  }
  return crc & 0x3fff;
}

/** The CRC16/XMODEM of the bytes hashed so far (`crc`) followed by `byte`; 0 starts a key. */
export function crcStep(crc: number, byte: number): number {
  return ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
}

function crcOf(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) {
    crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!;
  }
  return crc & 0x3fff;
}

/** The part of the key Redis hashes: the first non-empty `{…}`, else the whole key. */
function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  if (close <= open + 1) return key;
  return key.slice(open + 1, close);
}
