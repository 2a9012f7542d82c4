/**
 * Fossil delta compression in both encodings: negotiation (`delta: "fossil"` answered `delta: true`
 * where the namespace allows it and positions are tracked), publications after it (first in full,
 * then deltas), recovery as a delta chain, refusals, and which publications may go as deltas
 * (`delta_publish`, or the server API's `delta: true`). The client records every publication of a
 * delta subscription rebuilt (delta-tracker.ts) next to the frame that carried it, so both the
 * delta bytes and the data the client ends up with are compared.
 */
import type { Client, OpenOptions } from '../client.js';
import type { DiffCase, Script } from '../script.js';
import { jsonBytes, resultOf } from './protobuf.js';

type Encoding = 'json' | 'protobuf';

/** A JSON document of ~700 bytes whose `counter` changes: a delta of it is a few bytes. */
function doc(counter: number): Record<string, unknown> {
  return {
    counter,
    items: Array.from({ length: 16 }, (_, i) => ({ id: i, name: `item number ${i}`, on: i % 2 === 0 })),
  };
}

async function publishDocs(s: Script, channel: string, from: number, to: number, extra = {}): Promise<void> {
  for (let n = from; n <= to; n++) await s.api('publish', { channel, data: doc(n), ...extra });
}

/**
 * Publishes `doc(0)` so the stream's next publication has offset 2: the first publication of a
 * stream (offset 1) shows a difference of its own (`epoch`, case `delta/json/first-of-stream`).
 */
function warm(s: Script, channel: string): Promise<void> {
  return publishDocs(s, channel, 0, 0);
}

function connect(s: Script, encoding: Encoding, label: string): Promise<Client> {
  const options: OpenOptions = { encoding };
  return s.connected(label, label, {}, options);
}

/** The cases of one encoding, named `delta/<encoding>/…`. */
function casesFor(encoding: Encoding): DiffCase[] {
  const name = (what: string) => `delta/${encoding}/${what}`;
  return [
    {
      name: name('first-of-stream'),
      async run(s) {
        const channel = s.channel('delta');
        const c = await connect(s, encoding, 'alice');
        await c.cmd('subscribe', { channel, delta: 'fossil' });
        await publishDocs(s, channel, 1, 2);
        await c.recv(2);
      },
    },
    {
      name: name('publications'),
      async run(s) {
        const channel = s.channel('delta');
        await warm(s, channel);
        const c = await connect(s, encoding, 'alice');
        await c.cmd('subscribe', { channel, delta: 'fossil' });
        await publishDocs(s, channel, 1, 4);
        await c.recv(4);
      },
    },
    {
      name: name('not-asked'),
      async run(s) {
        const channel = s.channel('delta');
        await warm(s, channel);
        const c = await connect(s, encoding, 'alice');
        await c.cmd('subscribe', { channel });
        await publishDocs(s, channel, 1, 2);
        await c.recv(2);
      },
    },
    {
      name: name('beside-a-plain-subscriber'),
      async run(s) {
        const channel = s.channel('delta');
        await warm(s, channel);
        const delta = await connect(s, encoding, 'alice');
        const plain = await connect(s, encoding === 'json' ? 'protobuf' : 'json', 'bob');
        await delta.cmd('subscribe', { channel, delta: 'fossil' });
        await plain.cmd('subscribe', { channel });
        await publishDocs(s, channel, 1, 3);
        await delta.recv(3);
        await plain.recv(3);
      },
    },
    {
      name: name('subscribed-after-publications'),
      async run(s) {
        const channel = s.channel('delta');
        await publishDocs(s, channel, 1, 2);
        const c = await connect(s, encoding, 'alice');
        await c.cmd('subscribe', { channel, delta: 'fossil' });
        await publishDocs(s, channel, 3, 5);
        await c.recv(3);
      },
    },
    {
      name: name('client-publish'),
      async run(s) {
        const channel = s.channel('delta');
        await warm(s, channel);
        const c = await connect(s, encoding, 'alice');
        await c.cmd('subscribe', { channel, delta: 'fossil' });
        // Each push arrives before the reply to its publish, on both servers.
        for (let n = 1; n <= 3; n++) {
          await c.cmd('publish', { channel, data: encoding === 'json' ? doc(n) : jsonBytes(doc(n)) });
        }
        await c.quiet();
      },
    },
    {
      name: name('history-in-full'),
      async run(s) {
        const channel = s.channel('delta');
        await warm(s, channel);
        const c = await connect(s, encoding, 'alice');
        await c.cmd('subscribe', { channel, delta: 'fossil' });
        await publishDocs(s, channel, 1, 3);
        await c.recv(3);
        await c.cmd('history', { channel, limit: -1 });
      },
    },
    {
      name: name('recovery-chain'),
      async run(s) {
        const channel = s.channel('deltarec');
        await warm(s, channel);
        const c = await connect(s, encoding, 'alice');
        const first = resultOf(await c.cmd('subscribe', { channel, delta: 'fossil' }), 'subscribe');
        await publishDocs(s, channel, 1, 2);
        await c.recv(2);
        await c.cmd('unsubscribe', { channel });
        await publishDocs(s, channel, 3, 6);
        // Offset 3 is doc(2), the last one she received: the chain starts at doc(3).
        await c.cmd('subscribe', {
          channel,
          delta: 'fossil',
          recover: true,
          epoch: first['epoch'],
          offset: 3,
        });
        await publishDocs(s, channel, 7, 8);
        await c.recv(2);
      },
    },
    {
      name: name('recovery-without-delta'),
      async run(s) {
        const channel = s.channel('deltarec');
        const c = await connect(s, encoding, 'alice');
        const first = resultOf(await c.cmd('subscribe', { channel }), 'subscribe');
        await c.cmd('unsubscribe', { channel });
        await publishDocs(s, channel, 1, 3);
        await c.cmd('subscribe', { channel, recover: true, epoch: first['epoch'], offset: 0 });
        await c.quiet();
      },
    },
    {
      name: name('not-allowed'),
      async run(s) {
        const channel = s.channel('chat');
        const c = await connect(s, encoding, 'alice');
        await c.cmd('subscribe', { channel, delta: 'fossil' });
        await c.recv(1); // her own join
        await publishDocs(s, channel, 1, 2, { delta: true });
        await c.recv(2);
      },
    },
    {
      name: name('with-tags-filter'),
      async run(s) {
        const channel = s.channel('delta');
        await warm(s, channel);
        const c = await connect(s, encoding, 'alice');
        await c.cmd('subscribe', { channel, delta: 'fossil', tf: { key: 'kind', cmp: 'eq', val: 'a' } });
        await publishDocs(s, channel, 1, 2, { tags: { kind: 'a' } });
        await c.recv(2);
      },
    },
    {
      name: name('no-position'),
      async run(s) {
        const channel = s.channel('deltanopos');
        const c = await connect(s, encoding, 'alice');
        await c.cmd('subscribe', { channel, delta: 'fossil' });
        await publishDocs(s, channel, 1, 2);
        await c.recv(2);
      },
    },
    {
      name: name('unknown-type'),
      async run(s) {
        const c = await connect(s, encoding, 'alice');
        await c.cmd('subscribe', { channel: s.channel('delta'), delta: 'zstd' });
        await c.closed();
      },
    },
    {
      name: name('marked-by-api-only'),
      async run(s) {
        const channel = s.channel('deltamarked');
        await warm(s, channel);
        const c = await connect(s, encoding, 'alice');
        await c.cmd('subscribe', { channel, delta: 'fossil' });
        await publishDocs(s, channel, 1, 2);
        await publishDocs(s, channel, 3, 4, { delta: true });
        await publishDocs(s, channel, 5, 5);
        await publishDocs(s, channel, 6, 6, { delta: true });
        await c.recv(6);
      },
    },
    {
      name: name('client-publish-unmarked'),
      async run(s) {
        const channel = s.channel('deltamarked');
        await warm(s, channel);
        const c = await connect(s, encoding, 'alice');
        await c.cmd('subscribe', { channel, delta: 'fossil' });
        for (let n = 1; n <= 2; n++) {
          await c.cmd('publish', { channel, data: encoding === 'json' ? doc(n) : jsonBytes(doc(n)) });
        }
        await c.quiet();
      },
    },
    {
      name: name('api-delta-false-in-delta-publish'),
      async run(s) {
        const channel = s.channel('delta');
        await warm(s, channel);
        const c = await connect(s, encoding, 'alice');
        await c.cmd('subscribe', { channel, delta: 'fossil' });
        await publishDocs(s, channel, 1, 2, { delta: false });
        await c.recv(2);
      },
    },
    {
      name: name('small-change-of-small-data'),
      async run(s) {
        const channel = s.channel('delta');
        await warm(s, channel);
        const c = await connect(s, encoding, 'alice');
        await c.cmd('subscribe', { channel, delta: 'fossil' });
        for (const data of [{ n: 1 }, { n: 2 }, { n: 2 }, 'text', { n: 2 }]) {
          await s.api('publish', { channel, data });
        }
        await c.recv(5);
      },
    },
  ];
}

/** ~300 bytes that are not UTF-8, one of them changed by `n`. */
function binaryDoc(n: number): string {
  const bytes = Buffer.alloc(300, 0xff);
  for (let i = 0; i < bytes.length; i += 3) bytes[i] = i % 256;
  bytes[150] = n;
  return bytes.toString('base64');
}

/** Only Protobuf carries non-UTF-8 deltas (a JSON client would get base64, or a 3506 from Centrifugo). */
const binaryCase: DiffCase = {
  name: 'delta/protobuf/binary-data',
  async run(s) {
    const channel = s.channel('delta');
    await s.api('publish', { channel, b64data: binaryDoc(0) });
    const c = await connect(s, 'protobuf', 'alice');
    await c.cmd('subscribe', { channel, delta: 'fossil' });
    for (let n = 1; n <= 3; n++) await s.api('publish', { channel, b64data: binaryDoc(n) });
    await c.recv(3);
  },
};

/** Cases of delta compression, JSON then Protobuf. */
export const deltaCases: DiffCase[] = [...casesFor('json'), ...casesFor('protobuf'), binaryCase];
