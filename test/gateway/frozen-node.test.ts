/**
 * A node stopped (SIGSTOP) for longer than its deadlines: what clients sent in time while it was
 * stopped must count when it resumes. Node runs timers before it reads sockets, so without care the
 * pong sitting unread closes its client as silent (3012) and a connect sitting unread closes its
 * socket as stale (3502, after which an SDK stops reconnecting).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signToken } from '../../src/auth/token-signer.js';
import { type NodeProcess, rawConnect, sleep, startNodeProcess, TEST_SECRET } from '../harness/index.js';

describe('a node resumed after a stop longer than its deadlines', () => {
  let node: NodeProcess;

  before(async () => {
    node = await startNodeProcess('frozen', {
      client: { ping_interval: '2s', pong_timeout: '1s', stale_close_delay: '1s' },
    });
  });
  after(async () => {
    node.child.kill('SIGCONT');
    await node.stop();
  });

  async function frozen(ms: number, meanwhile: () => void): Promise<void> {
    node.child.kill('SIGSTOP');
    try {
      meanwhile();
      await sleep(ms);
    } finally {
      node.child.kill('SIGCONT');
    }
  }

  it('reads the pong a client sent while it was stopped before it checks the pong deadline', async () => {
    const token = await signToken({ sub: 'alice' }, TEST_SECRET, { expiresInSeconds: 600 });
    const client = await rawConnect(node.wsUrl);
    const reply = await client.call(1, 'connect', { token });
    assert.ok(reply['connect'], JSON.stringify(reply));
    // The node's ping is `{}`: the first one stops the node before it is answered; every later one
    // is answered at once.
    let pings = 0;
    const pinged = new Promise<void>((resolve) => {
      client.ws.on('message', (data) => {
        if (data.toString() !== '{}') return;
        if (pings++ === 0) resolve();
        else client.send('{}');
      });
    });
    await pinged;
    await frozen(3000, () => client.send('{}'));
    const closed = await Promise.race([client.closed.then((c) => c.code), sleep(1500).then(() => 0)]);
    assert.equal(closed, 0, `closed with ${closed} although its pong was sent in time`);
    const ping = await client.call(2, 'ping', {});
    assert.deepEqual(ping, { id: 2, ping: {} });
    client.close();
  });

  it('reads a connect sent while it was stopped before it checks the stale deadline', async () => {
    const token = await signToken({ sub: 'bob' }, TEST_SECRET, { expiresInSeconds: 600 });
    const client = await rawConnect(node.wsUrl);
    let reply: Promise<Record<string, unknown>> | undefined;
    await frozen(3000, () => {
      reply = client.call(1, 'connect', { token });
    });
    const outcome = await Promise.race([reply!, client.closed.then((c) => ({ closed: c.code }))]);
    assert.ok('connect' in outcome, `no connect reply: ${JSON.stringify(outcome)}`);
    client.close();
  });
});
