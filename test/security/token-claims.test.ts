/**
 * Signed tokens whose claims are out of any sane range: `exp: 1e999` (Infinity once parsed), huge or
 * negative dates, `expire_at` that is no integer, and strings holding lone UTF-16 surrogates in
 * `sub`, `channels`, `channel` or `info`. Each is refused as an invalid token (close 3500 for a
 * connection token, error 103 for a subscription token), and every frame the node sends is JSON.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startTestNode, TEST_SECRET, type TestNode } from '../harness/node.js';

const SUB_SECRET = 'subscription-secret-0123456789abcdef';
const now = (): number => Math.floor(Date.now() / 1000);

/** An HS256 JWT over a payload given as JSON text, so it may hold `1e999` or `"\ud800"` verbatim. */
function signRaw(payloadJson: string, secret = TEST_SECRET): string {
  const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
  const input = `${header}.${Buffer.from(payloadJson).toString('base64url')}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Payload JSON text: `fields` is spliced in as written, after a valid `exp` unless it sets one. */
const payload = (fields: string): string =>
  fields.includes('"exp"') ? `{${fields}}` : `{"exp":${now() + 3600},${fields}}`;

interface Session {
  /** Sends a command; resolves `ok`, `error <code>`, `close <code>` or `not JSON: <frame>`. */
  command(method: string, params: Record<string, unknown>): Promise<string>;
  /** Every frame received so far, as text. */
  frames: string[];
  close(): void;
}

/** A raw WebSocket that checks every frame is JSON before reading it. */
async function open(node: TestNode): Promise<Session> {
  const ws = new WebSocket(node.wsUrl);
  const frames: string[] = [];
  let nextId = 1;
  const waiting = new Map<number, (outcome: string) => void>();
  const closed = new Promise<string>((resolve) => ws.on('close', (code) => resolve(`close ${code}`)));
  ws.on('message', (data) => {
    for (const line of data.toString().split('\n')) {
      if (line === '') continue;
      frames.push(line);
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        for (const resolve of waiting.values()) resolve(`not JSON: ${line}`);
        continue;
      }
      const error = msg['error'] as { code?: number } | undefined;
      if (typeof msg['id'] === 'number') {
        waiting.get(msg['id'])?.(error === undefined ? 'ok' : `error ${error.code}`);
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    frames,
    command(method, params) {
      const id = nextId++;
      const reply = new Promise<string>((resolve) => waiting.set(id, resolve));
      ws.send(JSON.stringify({ id, [method]: params }));
      const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('no reply'), 3000).unref());
      return Promise.race([reply, closed, timeout]);
    },
    close: () => ws.terminate(),
  };
}

describe('token claims out of range', () => {
  let node: TestNode;
  const sessions: Session[] = [];

  before(async () => {
    node = await startTestNode({
      client: {
        subscription_token: { enabled: true, hmac_secret_key: SUB_SECRET },
        subscribe_to_user_personal_channel: { enabled: false },
      },
    });
  });
  after(async () => {
    for (const s of sessions) s.close();
    await node.stop();
  });

  async function connect(fields: string): Promise<{ outcome: string; session: Session }> {
    const session = await open(node);
    sessions.push(session);
    return { outcome: await session.command('connect', { token: signRaw(payload(fields)) }), session };
  }

  /** [case, payload fields of a connection token, expected outcome]. */
  const connectCases: [string, string, string][] = [
    ['control: exp in an hour', '"sub":"a"', 'ok'],
    ['control: fractional exp (RFC 7519 allows it)', `"sub":"a","exp":${now() + 3600}.5`, 'ok'],
    ['control: a user id outside the BMP (a surrogate pair)', '"sub":"\\ud83d\\ude00"', 'ok'],
    ['control: iat and nbf now', `"sub":"a","iat":${now()},"nbf":${now() - 1}`, 'ok'],
    ['exp 1e999 (Infinity)', '"sub":"a","exp":1e999', 'close 3500'],
    ['exp -1e999 (-Infinity)', '"sub":"a","exp":-1e999', 'close 3500'],
    ['exp 1e300', '"sub":"a","exp":1e300', 'close 3500'],
    ['exp 2^53', '"sub":"a","exp":9007199254740992', 'close 3500'],
    ['exp after the year 9999', '"sub":"a","exp":253402300800', 'close 3500'],
    ['exp negative', '"sub":"a","exp":-1', 'close 3500'],
    ['nbf -1e999', '"sub":"a","nbf":-1e999', 'close 3500'],
    ['iat 1e999', '"sub":"a","iat":1e999', 'close 3500'],
    ['iat that is not a number', '"sub":"a","iat":"yesterday"', 'close 3500'],
    ['expire_at 1e999', '"sub":"a","expire_at":1e999', 'close 3500'],
    ['expire_at fractional (not an int64)', '"sub":"a","expire_at":1.5', 'close 3500'],
    ['expire_at a string', '"sub":"a","expire_at":"soon"', 'close 3500'],
    ['sub with a lone high surrogate', '"sub":"\\ud800"', 'close 3500'],
    ['sub with a lone low surrogate inside', '"sub":"a\\udc00b"', 'close 3500'],
    ['channels with a lone surrogate', '"sub":"a","channels":["ok","\\ud800"]', 'close 3500'],
    ['info string with a lone surrogate', '"sub":"a","info":{"name":"\\udbff"}', 'close 3500'],
    ['info key with a lone surrogate', '"sub":"a","info":{"\\ud800":1}', 'close 3500'],
    [
      'info nested deep with a lone surrogate',
      `"sub":"a","info":${'['.repeat(50)}"\\ud800"${']'.repeat(50)}`,
      'close 3500',
    ],
  ];

  for (const [name, fields, expected] of connectCases) {
    it(`connect, ${name}: ${expected}`, async () => {
      const { outcome, session } = await connect(fields);
      assert.equal(outcome, expected);
      for (const frame of session.frames) assert.doesNotThrow(() => JSON.parse(frame), frame);
    });
  }

  it('the connect reply of a fractional exp carries an integer ttl', async () => {
    const { outcome, session } = await connect(`"sub":"a","exp":${now() + 3600}.5`);
    assert.equal(outcome, 'ok');
    const reply = JSON.parse(session.frames[0]!) as { connect: { ttl: number; expires: boolean } };
    assert.equal(reply.connect.expires, true);
    assert.ok(Number.isInteger(reply.connect.ttl) && reply.connect.ttl > 3500 && reply.connect.ttl <= 3600);
  });

  it('refresh with exp 1e999 or a lone surrogate in info: close 3500', async () => {
    for (const fields of ['"sub":"a","exp":1e999', '"sub":"a","info":"\\ud800"']) {
      const { outcome, session } = await connect('"sub":"a"');
      assert.equal(outcome, 'ok');
      assert.equal(await session.command('refresh', { token: signRaw(payload(fields)) }), 'close 3500');
      for (const frame of session.frames) assert.doesNotThrow(() => JSON.parse(frame), frame);
    }
  });

  /** [case, payload fields of a subscription token for user a and channel $p]. */
  const subscribeCases: [string, string, string][] = [
    ['control', '"sub":"a","channel":"$p"', 'ok'],
    ['exp 1e999', '"sub":"a","channel":"$p","exp":1e999', 'error 103'],
    ['exp 1e300', '"sub":"a","channel":"$p","exp":1e300', 'error 103'],
    ['nbf -1e999', '"sub":"a","channel":"$p","nbf":-1e999', 'error 103'],
    ['expire_at 1e999', '"sub":"a","channel":"$p","expire_at":1e999', 'error 103'],
    ['info with a lone surrogate', '"sub":"a","channel":"$p","info":["\\ud800"]', 'error 103'],
  ];

  for (const [name, fields, expected] of subscribeCases) {
    it(`subscribe, ${name}: ${expected}`, async () => {
      const { outcome, session } = await connect('"sub":"a"');
      assert.equal(outcome, 'ok');
      const token = signRaw(payload(fields), SUB_SECRET);
      assert.equal(await session.command('subscribe', { channel: '$p', token }), expected);
      for (const frame of session.frames) assert.doesNotThrow(() => JSON.parse(frame), frame);
    });
  }

  it('subscribe to a channel named with a lone surrogate, token granting it: error 103 or 107, never ok', async () => {
    const { session } = await connect('"sub":"a"');
    const token = signRaw(payload('"sub":"a","channel":"$\\ud800"'), SUB_SECRET);
    const outcome = await session.command('subscribe', { channel: '$\ud800', token });
    assert.notEqual(outcome, 'ok');
    assert.match(outcome, /^error 10[37]$/);
  });

  it('sub_refresh with exp 1e999: closed with 3500 (an invalid sub_refresh token, as in Centrifugo)', async () => {
    const { session } = await connect('"sub":"a"');
    const good = signRaw(payload('"sub":"a","channel":"$p"'), SUB_SECRET);
    assert.equal(await session.command('subscribe', { channel: '$p', token: good }), 'ok');
    const bad = signRaw(payload('"sub":"a","channel":"$p","exp":1e999'), SUB_SECRET);
    assert.equal(await session.command('sub_refresh', { channel: '$p', token: bad }), 'close 3500');
    for (const frame of session.frames) assert.doesNotThrow(() => JSON.parse(frame), frame);
  });
});
