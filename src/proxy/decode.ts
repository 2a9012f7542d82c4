/**
 * Reading a backend's result fields, whichever carrier brought them: over HTTP a JSON value
 * (`"info": {"name": "Alice"}`), over gRPC bytes holding JSON text; `b64*` fields hold base64.
 * A field that cannot be read is the backend's fault: {@link BadResultError}, which the handlers
 * answer with error 100 as Centrifugo answers a base64 it cannot decode.
 */
import { isUtf8 } from 'node:buffer';
import type { ProxyPayload } from '../gateway/proxy-port.js';

export class BadResultError extends Error {
  override readonly name = 'BadResultError';
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/** A JSON value field (`info`, `data`): undefined when absent or empty. */
export function jsonValue(result: Record<string, unknown>, field: string, b64field?: string): unknown {
  const b64 = b64field === undefined ? undefined : result[b64field];
  if (typeof b64 === 'string' && b64 !== '') return parseJsonBytes(base64(b64, b64field!), field);
  const value = result[field];
  if (value === undefined || value === null) return undefined;
  if (isBytes(value)) return value.length === 0 ? undefined : parseJsonBytes(Buffer.from(value), field);
  return value;
}

/** Raw JSON text of a field (`meta`), undefined when absent. */
export function jsonText(result: Record<string, unknown>, field: string): string | undefined {
  const value = result[field];
  if (value === undefined || value === null) return undefined;
  if (isBytes(value)) {
    if (value.length === 0) return undefined;
    const text = Buffer.from(value).toString('utf8');
    parseJsonBytes(Buffer.from(value), field);
    return text;
  }
  return JSON.stringify(value);
}

/**
 * A payload field (`data`/`b64data` of publish and rpc results): bytes that are JSON become JSON
 * text, other bytes stay bytes (base64 with `binary`). Undefined when absent.
 */
export function payload(
  result: Record<string, unknown>,
  field = 'data',
  b64field = 'b64data',
): ProxyPayload | undefined {
  const b64 = result[b64field];
  if (typeof b64 === 'string' && b64 !== '') return bytesPayload(base64(b64, b64field));
  const value = result[field];
  if (value === undefined || value === null) return undefined;
  if (isBytes(value)) return value.length === 0 ? undefined : bytesPayload(Buffer.from(value));
  return { data: JSON.stringify(value) };
}

function bytesPayload(bytes: Buffer): ProxyPayload {
  if (isUtf8(bytes)) {
    const text = bytes.toString('utf8');
    try {
      JSON.parse(text);
      return { data: text.includes('\n') ? text.replaceAll('\n', '') : text };
    } catch {
      // Not JSON: carried as bytes.
    }
  }
  return { data: bytes.toString('base64'), binary: true };
}

function base64(text: string, field: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new BadResultError(`"${field}" is not base64`);
  }
  return Buffer.from(text, 'base64');
}

function parseJsonBytes(bytes: Buffer, field: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new BadResultError(`"${field}" is not JSON`);
  }
}

/** A non-negative integer field (`expire_at`, `version`), 0 when absent. */
export function integer(result: Record<string, unknown>, field: string): number {
  const value = result[field];
  if (value === undefined || value === null) return 0;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new BadResultError(`"${field}" must be a non-negative integer`);
  }
  return n;
}

export function bool(result: Record<string, unknown>, field: string): boolean {
  return result[field] === true;
}

export function string(result: Record<string, unknown>, field: string): string | undefined {
  const value = result[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new BadResultError(`"${field}" must be a string`);
  return value;
}

/** An object field, undefined when absent. */
export function object(result: Record<string, unknown>, field: string): Record<string, unknown> | undefined {
  const value = result[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value) || isBytes(value)) {
    throw new BadResultError(`"${field}" must be an object`);
  }
  return value as Record<string, unknown>;
}

/** A map of strings (`tags`). */
export function stringMap(
  result: Record<string, unknown>,
  field: string,
): Record<string, string> | undefined {
  const map = object(result, field);
  if (map === undefined) return undefined;
  for (const v of Object.values(map))
    if (typeof v !== 'string') throw new BadResultError(`"${field}" must map to strings`);
  return map as Record<string, string>;
}

/** A list of strings (`channels`). */
export function stringList(result: Record<string, unknown>, field: string): string[] {
  const value = result[field];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new BadResultError(`"${field}" must be a list of strings`);
  }
  return value as string[];
}
