/**
 * Generated command sequences against a real node over real sockets: every command with an id gets a
 * reply (a result under its method name, or an error with a public code other than 100), or the
 * connection ends with a documented close code, or its connect was refused (after which the node
 * reads nothing more from it, as Centrifugo does); nothing hangs; the node keeps serving a fresh client
 * after every case and releases every connection and subscription at the end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { signToken } from '../../src/auth/token-signer.js';
import { isValidCloseCode } from '../../src/gateway/ws/close-codes.js';
import { DisconnectCode, ErrorCode } from '../../src/protocol/codes.js';
import { FrameClient, frame, startTestNode, TEST_SECRET, type TestNode, waitFor } from '../harness/index.js';
import {
  anyJson,
  COMMAND_METHODS,
  commandParams,
  invalidUtf8,
  knownCommand,
  mutate,
  mutation,
  unknownMethod,
} from './arbitraries.js';
import { FuzzClient, type Reply } from './fuzz-client.js';
import { checkAsyncProperty } from './run-property.js';
import { assertNoLeftovers, assertServes, leftovers } from './serving.js';

const MESSAGE_LIMIT = 8192;

const codes = (e: object): number[] => Object.values(e).filter((v): v is number => typeof v === 'number');
const ERROR_CODES = new Set(codes(ErrorCode));
/** Close codes a client may see: the documented disconnect codes and the transport's 1002 and 1007. */
const CLOSE_CODES = new Set([...codes(DisconnectCode), 1002, 1007]);

type Action =
  | { kind: 'command'; method: string; params: unknown; binary: boolean; withId: boolean }
  | { kind: 'several'; commands: { method: string; params: unknown }[]; binary: boolean }
  | { kind: 'bytes'; data: Buffer; binary: boolean };

interface Case {
  fresh: boolean;
  /** Token index for a connect sent first when the connection is not connected yet; null: none. */
  connect: number | null;
  actions: Action[];
}

function assertReply(reply: Reply, method: string): void {
  const error = reply['error'] as { code?: unknown; message?: unknown } | undefined;
  if (error !== undefined) {
    assert.ok(
      typeof error.code === 'number' && ERROR_CODES.has(error.code),
      `public error code: ${JSON.stringify(reply)}`,
    );
    assert.notEqual(error.code, ErrorCode.Internal, `no internal error: ${JSON.stringify(reply)}`);
    assert.ok(typeof error.message === 'string' && error.message.length > 0);
    return;
  }
  const result = reply[method];
  assert.ok(
    typeof result === 'object' && result !== null,
    `result under "${method}": ${JSON.stringify(reply)}`,
  );
}

describe('fuzz: client commands against a node', () => {
  let node: TestNode;
  let tokens: string[] = [];
  let controlToken = '';
  const open: FuzzClient[] = [];

  before(async () => {
    node = await startTestNode({
      client: { command_rate_limit: 0, channel_limit: 16 },
      websocket: { message_size_limit: MESSAGE_LIMIT },
      channel: {
        without_namespace: {
          allow_publish_for_subscriber: true,
          allow_publish_for_client: true,
          allow_presence_for_client: true,
          allow_history_for_client: true,
          presence: true,
          join_leave: true,
        },
        namespaces: [
          {
            name: 'ns',
            presence: true,
            allow_presence_for_subscriber: true,
            allow_publish_for_subscriber: true,
          },
          {
            name: 'hist',
            history_size: 5,
            history_ttl: '60s',
            allow_recovery: true,
            allow_positioning: true,
            allow_history_for_client: true,
            allow_publish_for_client: true,
          },
          { name: 'nohist', allow_history_for_client: true },
          { name: 'dialog' },
        ],
      },
    });
    const now = Math.floor(Date.now() / 1000);
    const valid = await node.token('u1');
    tokens = [
      valid,
      await node.token('u2', { channels: ['ns:room', 'hist:feed', 'constructor', 'toString', '#u2', ''] }),
      await node.token('', {}),
      await signToken({ sub: 'u1', exp: now - 60 }, TEST_SECRET),
      `${valid.slice(0, -2)}xx`,
      await node.token('u1', { channel: 'ns:$secret' }),
      await node.token('u1', { channel: 'hist:feed', exp: now + 1 }, 0),
      await node.token('u1', { info: { deep: [[[{ a: 1 }]]] } }),
      'x.y.z',
      '',
    ];
    controlToken = await node.token('control');
  });

  after(async () => {
    for (const c of open.splice(0)) c.terminate();
    if (node === undefined) return;
    const gateway = node.app.node;
    try {
      await waitFor(() => gateway.connections.size === 0, 'every connection released');
      await waitFor(() => gateway.hub.numSubscriptions === 0, 'every subscription released');
    } finally {
      await node.stop();
    }
  });

  it('answers every command or closes with a documented code, and keeps serving', async () => {
    const tokenIndex = fc.nat({ max: 9 });
    const params = (method: string) => commandParams(method, tokens);
    const command: fc.Arbitrary<Action> = fc
      .tuple(knownCommand(tokens), fc.boolean(), fc.nat({ max: 9 }))
      .map(([c, binary, n]) => ({ kind: 'command' as const, ...c, binary, withId: n !== 0 }));
    const unknown: fc.Arbitrary<Action> = fc
      .tuple(unknownMethod, fc.oneof(params('ping'), anyJson), fc.boolean())
      .map(([method, p, binary]) => ({ kind: 'command' as const, method, params: p, binary, withId: true }));
    const several: fc.Arbitrary<Action> = fc
      .tuple(fc.array(knownCommand(tokens), { minLength: 2, maxLength: 5 }), fc.boolean())
      .map(([commands, binary]) => ({ kind: 'several' as const, commands, binary }));
    const mutated = fc
      .tuple(knownCommand(tokens), fc.nat({ max: 1000 }), fc.array(mutation, { minLength: 1, maxLength: 4 }))
      .map(([c, id, edits]) => mutate(Buffer.from(JSON.stringify({ id, [c.method]: c.params })), edits));
    const bytes: fc.Arbitrary<Action> = fc
      .tuple(
        fc.oneof(
          { arbitrary: mutated, weight: 4 },
          { arbitrary: invalidUtf8, weight: 2 },
          { arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map((s) => Buffer.from(s)), weight: 2 },
          {
            arbitrary: fc.integer({ min: 1, max: 200 }).map((n) => Buffer.alloc(MESSAGE_LIMIT + n, 0x20)),
            weight: 1,
          },
        ),
        fc.boolean(),
      )
      .map(([data, binary]) => ({ kind: 'bytes' as const, data, binary }));
    const action = fc.oneof(
      { arbitrary: command, weight: 6 },
      { arbitrary: unknown, weight: 1 },
      { arbitrary: several, weight: 1 },
      { arbitrary: bytes, weight: 2 },
    );
    const testCase: fc.Arbitrary<Case> = fc.record({
      fresh: fc.nat({ max: 7 }).map((n) => n === 0),
      connect: fc.option(tokenIndex, { freq: 6 }),
      actions: fc.array(action, { minLength: 1, maxLength: 5 }),
    });

    let client: FuzzClient | null = null;
    let nextId = 1_000_000_000;
    const run = async (c: Case): Promise<void> => {
      if (c.fresh || client === null || !client.isOpen || client.refused) {
        client?.terminate();
        client = await FuzzClient.open(node.wsUrl);
        open.push(client);
      }
      const cl: FuzzClient = client;
      const known = leftovers(node.app.node);
      const tracked: { id: number; method: string }[] = [];
      const encode = (method: string, p: unknown, withId: boolean): string => {
        if (!withId) return JSON.stringify({ [method]: p });
        // `send` never gets a reply, with or without an id; the ping after the case shows it ran.
        if (method === 'send') return JSON.stringify({ id: nextId++, [method]: p });
        const id = nextId++;
        tracked.push({ id, method });
        if (method === 'connect') cl.markConnect(id);
        return JSON.stringify({ id, [method]: p });
      };
      if (!cl.connected && c.connect !== null) cl.send(encode('connect', { token: tokens[c.connect] }, true));
      for (const a of c.actions) {
        if (a.kind === 'command') cl.send(encode(a.method, a.params, a.withId), a.binary);
        else if (a.kind === 'several')
          cl.send(a.commands.map((x) => encode(x.method, x.params, true)).join('\n'), a.binary);
        else cl.send(a.data, a.binary);
      }
      const answered = (): boolean => tracked.every((t) => cl.replies.has(t.id));
      await cl.until(answered, 'reply to every command');
      if (cl.isOpen && cl.connected) {
        const id = nextId++;
        tracked.push({ id, method: 'ping' });
        cl.send(JSON.stringify({ id, ping: {} }));
        await cl.until(() => cl.replies.has(id), 'reply to a ping after the case');
      }
      assert.deepEqual(cl.garbage, [], 'every server line is a JSON object');
      for (const t of tracked) {
        const reply = cl.replies.get(t.id);
        if (reply !== undefined) assertReply(reply, COMMAND_METHODS.includes(t.method) ? t.method : '');
      }
      if (!answered()) {
        assert.ok(
          cl.closed !== null || cl.refused,
          'unanswered commands only on a closed connection, or one whose connect was refused',
        );
      }
      if (cl.closed !== null)
        assert.ok(CLOSE_CODES.has(cl.closed.code), `documented close code: ${JSON.stringify(cl.closed)}`);
      await assertNoLeftovers(node.app.node, known);
      await assertServes(node, controlToken);
    };
    await checkAsyncProperty('node: command sequences', fc.asyncProperty(testCase, run), 300);
  });

  it('survives random and mutated bytes on a bare socket, closing only with a WebSocket or protocol code', async () => {
    const maskKey = fc.uint8Array({ minLength: 4, maxLength: 4 });
    const validFrames = fc
      .array(fc.tuple(fc.constantFrom(1, 2, 9, 10), knownCommand(tokens), fc.nat({ max: 1000 }), maskKey), {
        minLength: 1,
        maxLength: 3,
      })
      .map((items) =>
        Buffer.concat(
          items.map(([opcode, c, id, key]) =>
            frame(opcode, opcode >= 8 ? 'ping' : JSON.stringify({ id, [c.method]: c.params }), {
              maskKey: key,
            }),
          ),
        ),
      );
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc
        .tuple(validFrames, fc.array(mutation, { minLength: 1, maxLength: 4 }))
        .map(([b, edits]) => mutate(b, edits)),
    );
    const run = async (bytes: Buffer): Promise<void> => {
      const { client } = await FrameClient.open(node.port);
      try {
        client.socket.write(bytes);
        client.socket.end();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          client.ended,
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('server did not close the socket')), 5000);
          }),
        ]);
        clearTimeout(timer);
        const close = client.frames.find((f) => f.opcode === 8);
        if (close !== undefined && close.payload.length >= 2) {
          const code = close.payload.readUInt16BE(0);
          // Our own code, or the client's valid code echoed back.
          assert.ok(CLOSE_CODES.has(code) || isValidCloseCode(code), `close code ${code}`);
        }
        for (const f of client.frames.filter((x) => x.opcode === 1)) {
          for (const line of f.payload.toString().split('\n')) {
            assert.doesNotThrow(() => JSON.parse(line), `server line is JSON: ${line}`);
          }
        }
      } finally {
        client.socket.destroy();
      }
      await assertServes(node, controlToken);
    };
    await checkAsyncProperty('node: raw socket bytes', fc.asyncProperty(input, run), 100);
  });
});
