/**
 * Rebuilds what a delta subscriber (`subscribe` with `delta: "fossil"`, answered `delta: true`)
 * reads, as the SDKs do: each publication of such a subscription is its data in full or, with
 * `delta: true`, a Fossil delta against the data before it. The tracker follows one connection's
 * commands and messages, JSON or decoded Protobuf alike, and yields each publication of a delta
 * subscription with its data rebuilt, so the transcripts compare what the client ends up with and
 * not only the delta bytes of one server's encoder.
 */
import { applyFossilDelta } from '../../src/protocol/delta/fossil.js';
import { bytesOf, showBytes } from './protobuf.js';

type Json = Record<string, unknown>;

/** One publication of a delta subscription, as the client rebuilds it. */
export interface DecodedPublication {
  channel: string;
  offset?: number;
  /** Whether it came as a delta. */
  delta: boolean;
  /** The rebuilt data (its text, or `{base64}`), or why it could not be rebuilt. */
  data?: unknown;
  error?: string;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A publication's data as bytes: a JSON delta subscriber gets it as a string, Protobuf as bytes. */
function dataBytes(data: unknown): Uint8Array {
  if (data === undefined) return new Uint8Array();
  if (typeof data === 'string' || isObject(data)) return bytesOf(data);
  return Buffer.from(JSON.stringify(data));
}

/** The delta state of one connection's subscriptions. */
export class DeltaTracker {
  /** Subscribe commands waiting for their reply: id → channel. */
  private readonly subscribing = new Map<number, string>();
  /** Channels subscribed with delta, with the data the next delta applies to. */
  private readonly bases = new Map<string, Uint8Array | undefined>();

  /** Notes a command the client sent (its subscribes and unsubscribes). */
  sent(command: Json): void {
    const id = typeof command['id'] === 'number' ? command['id'] : 0;
    const subscribe = command['subscribe'];
    if (isObject(subscribe) && typeof subscribe['channel'] === 'string' && id > 0) {
      this.subscribing.set(id, subscribe['channel']);
    }
    const unsubscribe = command['unsubscribe'];
    if (isObject(unsubscribe) && typeof unsubscribe['channel'] === 'string') {
      this.bases.delete(unsubscribe['channel']);
    }
  }

  /** The publications of delta subscriptions one server message carries, rebuilt. */
  received(message: unknown): DecodedPublication[] {
    if (!isObject(message)) return [];
    const reply = isObject(message['protobuf']) ? message['protobuf'] : message;
    const id = typeof reply['id'] === 'number' ? reply['id'] : 0;
    const channel = this.subscribing.get(id);
    if (channel !== undefined) {
      this.subscribing.delete(id);
      const result = reply['subscribe'];
      if (!isObject(result) || result['delta'] !== true) return [];
      this.bases.set(channel, undefined);
      const recovered = Array.isArray(result['publications']) ? result['publications'] : [];
      return recovered.map((pub) => this.apply(channel, pub));
    }
    const push = reply['push'];
    if (!isObject(push) || typeof push['channel'] !== 'string' || !this.bases.has(push['channel'])) return [];
    if (push['unsubscribe'] !== undefined) {
      this.bases.delete(push['channel']);
      return [];
    }
    return push['pub'] === undefined ? [] : [this.apply(push['channel'], push['pub'])];
  }

  private apply(channel: string, pub: unknown): DecodedPublication {
    const p = isObject(pub) ? pub : {};
    const delta = p['delta'] === true;
    const out: DecodedPublication = { channel, delta };
    if (typeof p['offset'] === 'number') out.offset = p['offset'];
    const bytes = dataBytes(p['data']);
    const base = this.bases.get(channel);
    if (delta && base === undefined) {
      this.bases.set(channel, undefined);
      return { ...out, error: 'a delta without a base' };
    }
    try {
      const full = delta && base !== undefined ? applyFossilDelta(base, bytes) : bytes;
      this.bases.set(channel, full);
      return { ...out, data: showBytes(full) };
    } catch (err) {
      this.bases.set(channel, undefined);
      return { ...out, error: `delta does not apply: ${(err as Error).message}` };
    }
  }
}
