/** Assertions on token verification failures shared by the auth tests. */
import assert from 'node:assert/strict';
import { TokenError, type TokenErrorCode } from '../../src/auth/index.js';

/**
 * Asserts that `promise` rejects with a TokenError of `code` whose message does not contain the
 * token text. Returns the error for further checks.
 */
export async function rejectsWithToken(
  promise: Promise<unknown>,
  code: TokenErrorCode,
  token?: string,
): Promise<TokenError> {
  let caught: unknown;
  await assert.rejects(promise, (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof TokenError, `expected a TokenError, got ${String(caught)}`);
  assert.equal(caught.name, 'TokenError');
  assert.equal(caught.code, code);
  if (token !== undefined && token.length > 3) {
    assert.ok(!caught.message.includes(token), 'the error message must not contain the token');
    for (const part of token.split('.').filter((p) => p.length > 3)) {
      assert.ok(!caught.message.includes(part), 'the error message must not contain part of the token');
    }
  }
  return caught;
}

/** Base64url of a JSON value, for hand-made tokens. */
export function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Unix seconds now. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
