/**
 * Replaces the values that legitimately differ between two servers — and between two runs of one — by
 * stable placeholders, so the transcripts of both servers can be compared with deep equality:
 *
 * - client ids (from `connect` and `refresh` results) → `<client:LABEL>`, wherever they appear, as
 *   values or as object keys (presence maps);
 * - stream epochs → `<epoch:N>`, numbered by first appearance, so equal epochs stay equal;
 * - `version`, `node`, `session` of connect/refresh results, `ttl`, and millisecond `time` stamps;
 * - server API `info` results (node lists, uptime, memory).
 *
 * Everything else, codes, reasons, field presence and order of messages, is compared as it is, except
 * what the masks given to {@link normalize} hide (see masks.ts).
 */
import { applyMask, type MaskName } from './masks.js';
import type { Entry, Transcript } from './transcript.js';

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Real client id → placeholder, learned from connect/refresh results in the order they come. */
function clientIds(transcript: Transcript): Map<string, string> {
  const ids = new Map<string, string>();
  for (const entry of transcript) {
    if (!('recv' in entry) || !isObject(entry.recv)) continue;
    const reply = isObject(entry.recv['protobuf']) ? entry.recv['protobuf'] : entry.recv;
    for (const key of ['connect', 'refresh']) {
      const result = reply[key];
      if (isObject(result) && typeof result['client'] === 'string' && !ids.has(result['client'])) {
        ids.set(result['client'], `<client:${entry.at}>`);
      }
    }
  }
  return ids;
}

/** Fields of connect/refresh results that name the server build or process, not the protocol. */
const SERVER_FIELDS = new Set(['version', 'node', 'session']);

class Normalizer {
  private readonly epochs = new Map<string, string>();

  /** Whether the value being normalized came from a server: only then are server fields replaced. */
  fromServer = false;

  constructor(private readonly ids: Map<string, string>) {}

  value(value: Json, key = ''): Json {
    if (typeof value === 'string') {
      const id = this.ids.get(value);
      if (id !== undefined) return id;
      if (key === 'epoch' && value !== '') return this.epoch(value);
      return value;
    }
    if (Array.isArray(value)) return value.map((v) => this.value(v));
    if (!isObject(value)) {
      if (key === 'ttl' && typeof value === 'number') return '<ttl>';
      if (key === 'time' && typeof value === 'number') return '<time>';
      return value;
    }
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) {
      const name = this.ids.get(k) ?? k;
      if (this.fromServer && (key === 'connect' || key === 'refresh') && SERVER_FIELDS.has(k)) {
        out[name] = `<${k}>`;
        continue;
      }
      out[name] = this.value(v, k);
    }
    return out;
  }

  private epoch(value: string): string {
    let label = this.epochs.get(value);
    if (label === undefined) {
      label = `<epoch:${this.epochs.size + 1}>`;
      this.epochs.set(value, label);
    }
    return label;
  }
}

function entry(normalizer: Normalizer, e: Entry): Entry {
  normalizer.fromServer = false;
  if ('send' in e) return { at: e.at, send: normalizer.value(e.send) };
  if ('api' in e) {
    const request = normalizer.value(e.request);
    normalizer.fromServer = true;
    const info = e.api === 'info' && isObject(e.body) && 'result' in e.body;
    return {
      ...e,
      request,
      body: normalizer.value(info ? { ...(e.body as object), result: '<info>' } : e.body),
    };
  }
  normalizer.fromServer = true;
  if ('recv' in e) return { at: e.at, recv: normalizer.value(e.recv) };
  return e;
}

/** The transcript with every legitimately varying value replaced (the input is not changed). */
export function normalize(transcript: Transcript, masks: Iterable<MaskName> = []): Transcript {
  const normalizer = new Normalizer(clientIds(transcript));
  let out = transcript.map((e) => entry(normalizer, e));
  for (const mask of masks) out = out.map((e) => applyMask(mask, e));
  return out;
}

/** Object keys sorted, recursively: a canonical form for display and comparison. */
export function canonical(value: Json): Json {
  if (Array.isArray(value)) return value.map(canonical);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, canonical(value[k])]),
  );
}
