/**
 * The client's address behind trusted proxies (`http_server.trusted_proxies`): the rules on request
 * shapes (right-most address not itself trusted, ports and brackets, IPv4 mapped into IPv6, a
 * malformed entry ending the walk), bad entries failing the start naming their key, and real
 * requests over real sockets — a WebSocket upgrade, an SSE request, a server API call and an admin
 * login — whose logged address is taken from `X-Forwarded-For` when the peer (127.0.0.1) is trusted
 * and is the socket's peer when it is not, whatever the header says.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { TrustedProxies } from '../../src/http/client-address.js';
import { rawConnect, setup, startCli, type TestNode, waitFor } from '../harness/index.js';
import { captureLog } from './capture.js';

const SPOOFED = '198.51.100.9, 203.0.113.7';
const FORWARDED = { 'x-forwarded-for': SPOOFED };

const request = (remoteAddress: string | undefined, xff?: string | string[]) => ({
  socket: { remoteAddress },
  headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
});

describe('client address: the rules', () => {
  const trusted = new TrustedProxies(['10.0.0.0/8', '192.168.1.5', 'fd00::/8']);

  it('an untrusted peer is the client, whatever it forwards', () => {
    assert.equal(trusted.clientAddress(request('203.0.113.1', '1.2.3.4')), '203.0.113.1');
    assert.equal(new TrustedProxies([]).clientAddress(request('10.0.0.1', '1.2.3.4')), '10.0.0.1');
  });

  it('behind trusted proxies: the right-most address that is not a trusted proxy', () => {
    assert.equal(trusted.clientAddress(request('10.1.2.3', '1.2.3.4')), '1.2.3.4');
    assert.equal(trusted.clientAddress(request('10.1.2.3', '6.6.6.6, 1.2.3.4, 192.168.1.5')), '1.2.3.4');
    assert.equal(trusted.clientAddress(request('10.1.2.3', ['6.6.6.6', '1.2.3.4, 10.9.9.9'])), '1.2.3.4');
    // Every hop trusted: the left-most one.
    assert.equal(trusted.clientAddress(request('10.1.2.3', '10.0.0.7, 192.168.1.5')), '10.0.0.7');
    assert.equal(trusted.clientAddress(request('10.1.2.3')), '10.1.2.3');
  });

  it('ports, brackets, IPv6 ranges and IPv4 mapped into IPv6', () => {
    assert.equal(trusted.clientAddress(request('::ffff:10.1.2.3', '1.2.3.4:5678')), '1.2.3.4');
    assert.equal(trusted.clientAddress(request('fd00::1', '[2001:db8::7]:443')), '2001:db8::7');
    assert.equal(trusted.clientAddress(request('fd00::1', '::ffff:1.2.3.4')), '1.2.3.4');
    assert.equal(trusted.clientAddress(request('::ffff:203.0.113.1', '1.2.3.4')), '203.0.113.1');
    assert.equal(trusted.trusts('fdff:ffff::1'), true);
    assert.equal(trusted.trusts('fe80::1'), false);
  });

  it('a malformed entry ends the walk at the last good address', () => {
    assert.equal(trusted.clientAddress(request('10.1.2.3', '1.2.3.4, unknown')), '10.1.2.3');
    assert.equal(trusted.clientAddress(request('10.1.2.3', 'junk, 10.0.0.9')), '10.0.0.9');
  });

  it('a bad entry is refused naming its key', () => {
    for (const [entries, index] of [
      [['10.0.0.0/8', '300.1.1.1'], 1],
      [['10.0.0.0/33'], 0],
      [['127.0.0.1', '::1', 'fd00::/129'], 2],
      [['proxy.internal'], 0],
      [['10.0.0.0/8x'], 0],
    ] as const) {
      assert.throws(
        () => new TrustedProxies(entries),
        (error: unknown) =>
          error instanceof ConfigError && error.key === `http_server.trusted_proxies[${index}]`,
        String(entries),
      );
    }
  });
});

/** An upgrade request with `headers`; resolves with the HTTP status it got (no upgrade expected). */
function upgradeStatus(node: TestNode, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: node.port,
      path: '/connection/websocket',
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('upgrade', () => reject(new Error('upgraded')));
    req.on('error', reject);
    req.end();
  });
}

async function nodeTrusting(t: ReturnType<typeof setup>, trusted: string[]) {
  const log = captureLog('debug');
  const node = await t.node(
    {
      http_server: { trusted_proxies: trusted },
      client: { allowed_origins: ['https://app.example'] },
      sse: { enabled: true },
      admin: { enabled: true, password: 'admin-password-for-tests' },
    },
    { logger: log.logger },
  );
  return { node, log };
}

/** Makes a refused request of each kind and returns the address each log line named. */
async function loggedAddresses(node: TestNode, log: ReturnType<typeof captureLog>) {
  const evil = { origin: 'https://evil.example', ...FORWARDED };
  assert.equal(await upgradeStatus(node, evil), 403);
  const sse = await fetch(`${node.baseUrl}/connection/sse`, { headers: evil });
  assert.equal(sse.status, 403);
  const api = await fetch(`${node.baseUrl}/api/info`, {
    method: 'POST',
    headers: { 'x-api-key': 'wrong', ...FORWARDED },
    body: '{}',
  });
  assert.equal(api.status, 401);
  const login = await fetch(`${node.baseUrl}/admin/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...FORWARDED },
    body: JSON.stringify({ password: 'wrong' }),
  });
  assert.equal(login.status, 401);
  // An accepted connection: its opening line names the address too.
  const accepted = await rawConnect(node.wsUrl, { origin: 'https://app.example', ...FORWARDED });
  await waitFor(() => log.find(/^connection opened/).length > 0, 'the connection opened line');
  accepted.ws.terminate();
  const address = (msg: RegExp): unknown => log.find(msg)[0]?.['address'];
  await waitFor(() => log.find(/^admin login refused/).length > 0, 'the admin refusal line');
  return {
    opened: address(/^connection opened/),
    websocket: address(/^websocket upgrade refused/),
    sse: address(/^streaming request refused/),
    api: address(/^api request refused/),
    admin: address(/^admin login refused/),
  };
}

describe('client address: real requests', () => {
  it('from a trusted proxy: the address X-Forwarded-For names', async () => {
    await using t = setup();
    const { node, log } = await nodeTrusting(t, ['10.0.0.0/8', '127.0.0.1']);
    const seen = await loggedAddresses(node, log);
    assert.deepEqual(seen, {
      opened: '203.0.113.7',
      websocket: '203.0.113.7',
      sse: '203.0.113.7',
      api: '203.0.113.7',
      admin: '203.0.113.7',
    });
  });

  it('from an untrusted peer: a spoofed X-Forwarded-For is ignored', async () => {
    await using t = setup();
    const { node, log } = await nodeTrusting(t, ['10.0.0.0/8']);
    const seen = await loggedAddresses(node, log);
    assert.deepEqual(seen, {
      opened: '127.0.0.1',
      websocket: '127.0.0.1',
      sse: '127.0.0.1',
      api: '127.0.0.1',
      admin: '127.0.0.1',
    });
  });

  it('a bad entry fails the start naming http_server.trusted_proxies[1]', async () => {
    await using t = setup();
    await assert.rejects(
      t.node({ http_server: { trusted_proxies: ['10.0.0.0/8', '10.0.0.0/40'] } }),
      (error: unknown) => error instanceof ConfigError && error.key === 'http_server.trusted_proxies[1]',
    );
  });

  it('serve and checkconfig refuse a bad entry from the environment, naming it', async () => {
    const env = {
      SWITCHBOARD_HTTP_SERVER_TRUSTED_PROXIES: '10.0.0.0/8 proxy.internal',
      SWITCHBOARD_HTTP_SERVER_PORT: '0',
    };
    for (const command of ['serve', 'checkconfig']) {
      const cli = startCli([command], { env });
      const { code } = await cli.exited;
      assert.equal(code, 1, `${command}: ${cli.stdout()}`);
      assert.match(cli.stderr(), /http_server\.trusted_proxies\[1\].*"proxy\.internal"/);
    }
  });
});
