/**
 * Field readers for command and API parameters: a wrong type is a bad request (107) naming the field.
 * Every string they return is well-formed Unicode: a lone surrogate (JSON `"\ud800"`) is a bad
 * request too, since a channel, user id, idempotency key or tag holding one would become another
 * name once encoded as UTF-8 (see `protocol/unicode.ts`). Client commands and the server API both
 * read their parameters here, so the rule holds at every edge.
 */
import { isUtf8 } from 'node:buffer';
import { ErrorCode } from './codes.js';
import { CommandError } from './errors.js';
import { isWellFormed } from './unicode.js';

/** A command's or an API call's parameters, as decoded from JSON. */
export type Params = Record<string, unknown>;

function bad(field: string, expected: string): CommandError {
  return new CommandError(ErrorCode.BadRequest, `bad request: "${field}" must be ${expected}`);
}

const WELL_FORMED = 'well-formed Unicode (no lone surrogate)';

/** `value` when it is well-formed, else a bad request naming `field`. */
export function wellFormed(field: string, value: string): string {
  if (!isWellFormed(value)) throw bad(field, WELL_FORMED);
  return value;
}

/** A non-empty string. */
export function requireString(params: Params, field: string): string {
  const value = params[field];
  if (typeof value !== 'string' || value.length === 0) throw bad(field, 'a non-empty string');
  return wellFormed(field, value);
}

/** A string, or undefined when absent or null. */
export function optionalString(params: Params, field: string): string | undefined {
  const value = params[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw bad(field, 'a string');
  return wellFormed(field, value);
}

/** A boolean; false when absent or null. */
export function optionalBoolean(params: Params, field: string): boolean {
  const value = params[field];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw bad(field, 'a boolean');
  return value;
}

/** A safe integer of at least `min`, or undefined when absent or null. */
export function optionalInteger(params: Params, field: string, min: number): number | undefined {
  const value = params[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw bad(field, `an integer >= ${min}`);
  }
  return value;
}

/** An object (not an array), or undefined when absent or null. */
export function optionalObject(params: Params, field: string): Params | undefined {
  const value = params[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw bad(field, 'an object');
  return value as Params;
}

/** An array of strings, or undefined when absent or null. */
export function optionalStringArray(params: Params, field: string): string[] | undefined {
  const value = params[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw bad(field, 'an array of strings');
  if (!value.every(isWellFormed)) throw bad(field, `an array of ${WELL_FORMED} strings`);
  return value;
}

/** An object whose values are strings, or undefined when absent or null. */
export function optionalStringMap(params: Params, field: string): Record<string, string> | undefined {
  const value = optionalObject(params, field);
  if (value === undefined) return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw bad(field, 'an object of strings');
    if (!isWellFormed(k) || !isWellFormed(v)) throw bad(field, `an object of ${WELL_FORMED} strings`);
  }
  return value as Record<string, string>;
}

/** Publication data as the node carries it: JSON text, or base64 of bytes that are not JSON. */
export interface PublicationData {
  data: string;
  binary?: true;
}

/**
 * Publication data, required: any JSON value (the JSON protocol and the server API), returned as
 * JSON text; or bytes (the Protobuf protocol), kept as JSON text when they are a JSON document in
 * UTF-8 (so JSON subscribers get the value itself, as in Centrifugo) and as base64 otherwise.
 */
export function requireData(params: Params, field = 'data'): PublicationData {
  const value = params[field];
  if (value === undefined) throw bad(field, 'present');
  // Protobuf carries absent data as no bytes; Centrifugo refuses that as it refuses a missing value.
  if (value instanceof Uint8Array) {
    if (value.length === 0) throw bad(field, 'present');
    return bytesData(value);
  }
  try {
    return { data: JSON.stringify(value) };
  } catch {
    // Nesting too deep for the encoder's stack: the sender's data is at fault, not the server.
    throw bad(field, 'JSON nested less deeply');
  }
}

/**
 * Bytes as publication data. A JSON document is kept as its text, byte for byte but for newlines
 * (only whitespace in valid JSON; the JSON protocol separates frames with them), as Centrifugo's
 * `Raw` drops them; it is spliced into JSON frames as it is from then on.
 */
export function bytesData(bytes: Uint8Array): PublicationData {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length > 0 && isUtf8(buffer)) {
    const text = buffer.toString();
    try {
      JSON.parse(text);
      return { data: text.includes('\n') ? text.replaceAll('\n', '') : text };
    } catch {
      // Not JSON (or nested too deeply to parse): carried as bytes.
    }
  }
  return { data: buffer.toString('base64'), binary: true };
}

/** `b64data`: binary publication data as base64, for publishers that send bytes through the JSON API. */
export function optionalBase64Data(params: Params, field = 'b64data'): PublicationData | undefined {
  const value = params[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !BASE64.test(value)) throw bad(field, 'a base64 string');
  return bytesData(Buffer.from(value, 'base64'));
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
