/** Test helpers: assert that a call fails with a ConfigError keyed as expected. */
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config/index.js';

/** Asserts `fn` throws a ConfigError whose first issue has `key`; returns the error for more checks. */
export function assertConfigError(fn: () => unknown, key: string): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  return checkConfigError(caught, key);
}

/** Asserts `promise` rejects with a ConfigError whose first issue has `key`. */
export async function rejectsConfigError(promise: Promise<unknown>, key: string): Promise<ConfigError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  return checkConfigError(caught, key);
}

function checkConfigError(caught: unknown, key: string): ConfigError {
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  assert.equal(caught.code, 'CONFIG_INVALID');
  assert.equal(caught.name, 'ConfigError');
  assert.equal(caught.key, key);
  assert.equal(caught.issues[0]?.key, key);
  return caught;
}
