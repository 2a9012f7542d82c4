/**
 * Masks hide one known difference that would otherwise show up in most cases (a field in every
 * connect reply, the detail after every error message). Each mask is listed in known-differences.ts
 * with the one case that shows it unmasked, so the difference stays visible — and enforced — there,
 * while every other case can still catch differences of its own.
 */
import type { Entry } from './transcript.js';

/** The cross-cutting differences that can be masked. */
export type MaskName = 'connect-node' | 'error-message-detail' | 'close-reason-detail';

/** Every mask name. */
export const MASK_NAMES: readonly MaskName[] = [
  'connect-node',
  'error-message-detail',
  'close-reason-detail',
];

type Json = unknown;
/** Rewrites one object, given the key it sits under and the key of its parent. */
type Rewrite = (object: Record<string, Json>, key: string, parentKey: string) => Record<string, Json>;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Rebuilds `value` bottom-up, passing every object and the keys above it to `rewrite`. */
function walk(value: Json, rewrite: Rewrite, key = '', parentKey = ''): Json {
  if (Array.isArray(value)) return value.map((v) => walk(v, rewrite, key, parentKey));
  if (!isObject(value)) return value;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value)) out[k] = walk(v, rewrite, k, key);
  return rewrite(out, key, parentKey);
}

function without(object: Record<string, Json>, field: string): Record<string, Json> {
  const { [field]: _dropped, ...rest } = object;
  return rest;
}

/** `"bad request: channel required"` → `"bad request"`. */
function head(text: string): string {
  const colon = text.indexOf(': ');
  return colon === -1 ? text : text.slice(0, colon);
}

const REWRITES: Record<Exclude<MaskName, 'close-reason-detail'>, Rewrite> = {
  'connect-node': (o, key) => (key === 'connect' ? without(o, 'node') : o),
  'error-message-detail': (o, key) =>
    key === 'error' && typeof o['message'] === 'string' ? { ...o, message: head(o['message']) } : o,
};

/** The entry with one mask applied. */
export function applyMask(mask: MaskName, e: Entry): Entry {
  if (mask === 'close-reason-detail') {
    return 'closed' in e ? { at: e.at, closed: { ...e.closed, reason: head(e.closed.reason) } } : e;
  }
  const rewrite = REWRITES[mask];
  if ('recv' in e) return { at: e.at, recv: walk(e.recv, rewrite) };
  if ('api' in e) return { ...e, body: walk(e.body, rewrite) };
  return e;
}
