/**
 * Ttls as the scripts take them: whole milliseconds, rounded up so a positive ttl never becomes
 * 0, and 0 for Infinity, which the interfaces allow and the scripts read as "never expire".
 */
export function ttlArg(ms: number): number {
  return ms === Number.POSITIVE_INFINITY ? 0 : Math.max(1, Math.ceil(ms));
}
