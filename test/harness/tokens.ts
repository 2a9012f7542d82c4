/** The credentials every test node is started with, and connection and subscription tokens for them. */

/** HMAC key of connection tokens on every test node (in-process or in its own process). */
export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789';
/** Server API key of every test node. */
export const TEST_API_KEY = 'test-api-key';

/**
 * An HS256 token for `user` signed with {@link TEST_SECRET}, valid for `ttlSeconds` (0: no `exp`).
 * `claims` are added as given: `{ channel }` makes a subscription token, `{ info }` connection info.
 */
export async function token(
  user: string,
  claims: Record<string, unknown> = {},
  ttlSeconds = 3600,
): Promise<string> {
  // Loaded on first use: the JWT library is not needed to load the harness.
  const { signToken } = await import('../../src/auth/token-signer.js');
  return signToken(
    { sub: user, ...claims },
    TEST_SECRET,
    ttlSeconds === 0 ? {} : { expiresInSeconds: ttlSeconds },
  );
}
