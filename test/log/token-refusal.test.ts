/**
 * Why a token was refused, at debug: a node in this process with its log captured, real clients
 * connecting over WebSocket with an expired token, one signed with another key, a malformed one and
 * one for another audience. Each refusal is one debug line with the stable code and the reason; the
 * token itself never appears in the log. At info nothing is logged for them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signToken } from '../../src/auth/token-signer.js';
import { setup, TEST_SECRET, token, waitFor } from '../harness/index.js';
import { captureLog, LEVEL } from './capture.js';

const REFUSED = 'connection token refused';

describe('token refusal reasons', () => {
  it('expired, bad signature, malformed, wrong audience: one debug line each, never the token', async () => {
    await using t = setup();
    const log = captureLog('debug');
    const node = await t.node({ client: { token: { audience: 'switchboard' } } }, { logger: log.logger });
    const cases: Array<{ token: string; code: string; reason: RegExp }> = [
      {
        token: await signToken(
          { sub: 'u', aud: 'switchboard', exp: Math.floor(Date.now() / 1000) - 60 },
          TEST_SECRET,
        ),
        code: 'TOKEN_EXPIRED',
        reason: /expired/,
      },
      {
        token: await signToken({ sub: 'u', aud: 'switchboard' }, 'another-secret-0123456789abcdef0123'),
        code: 'TOKEN_INVALID',
        reason: /signature/,
      },
      { token: 'not.a-token', code: 'TOKEN_INVALID', reason: /malformed/ },
      {
        token: await token('u', { aud: 'someone-else' }),
        code: 'TOKEN_INVALID',
        reason: /"aud".*client\.token\.audience/,
      },
    ];
    for (const [i, c] of cases.entries()) {
      const client = await t.raw(node.wsUrl);
      // An expired token gets error 109; the others close the connection (3500): no reply to wait for.
      client.send(JSON.stringify({ id: 1, connect: { token: c.token } }));
      await waitFor(() => log.find(REFUSED).length === i + 1, `the refusal of case ${i}`);
      const line = log.find(REFUSED).at(-1);
      assert.ok(line, `a refusal line for ${c.code}`);
      assert.equal(line['level'], LEVEL.debug);
      assert.equal(line['token_kind'], 'connection');
      assert.equal(line['code'], c.code);
      assert.match(String(line['reason']), c.reason);
    }
    assert.equal(log.find(REFUSED).length, cases.length);
    const text = log.text();
    for (const c of cases) {
      // Neither the token nor its signature part.
      assert.ok(!text.includes(c.token), 'a token in the log');
      const signature = c.token.split('.')[2];
      if (signature !== undefined && signature.length > 8) assert.ok(!text.includes(signature));
    }
  });

  it('at info, refusals add no line', async () => {
    await using t = setup();
    const log = captureLog('info');
    const node = await t.node({}, { logger: log.logger });
    const client = await t.raw(node.wsUrl);
    client.send(JSON.stringify({ id: 1, connect: { token: 'not.a-token' } }));
    assert.equal((await client.closed).code, 3500);
    assert.equal(log.find(REFUSED).length, 0);
    // A good token still connects: the refusal path is not taken for it.
    const good = await t.raw(node.wsUrl);
    assert.equal((await good.call(1, 'connect', { token: await token('alice') }))['error'], undefined);
  });
});
