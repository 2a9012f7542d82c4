/**
 * Field readers for command and API parameters: a wrong type is a bad request (107) naming the field.
 * Every string they return is well-formed Unicode: a lone surrogate (JSON `"\ud800"`) is a bad
 * request too, since a channel, user id, idempotency key or tag holding one would become another
 * name once encoded as UTF-8 (see `protocol/unicode.ts`). Client commands and the server API both
 * read their parameters here, so the rule holds at every edge.
 */
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

/** Publication data: any JSON value, required, returned as JSON text. */
export function requireData(params: Params, field = 'data'): string {
  const value = params[field];
  if (value === undefined) throw bad(field, 'present');
  try {
    return JSON.stringify(value);
  } catch {
    // Nesting too deep for the encoder's stack: the sender's data is at fault, not the server.
    throw bad(field, 'JSON nested less deeply');
  }
}
