/**
 * The Protobuf decoder against an independent encoder (protobufjs with our `client.proto`) and
 * against the JSON decoder: a command means the same whichever encoding carried it. Then pongs,
 * several commands per message, unknown methods, and malformed input, which must fail, never throw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_COMMANDS_PER_FRAME } from '../../src/protocol/frame-items.js';
import { jsonEncoding } from '../../src/protocol/json/index.js';
import { protobufEncoding } from '../../src/protocol/protobuf/index.js';
import { parseTagsFilter } from '../../src/protocol/tags-filter.js';
import type { Command } from '../../src/protocol/types.js';
import { commandsMessage, encodeMessage, long } from './protobuf-reference.js';

type Json = Record<string, unknown>;

const decode = (bytes: Uint8Array) => protobufEncoding.decode(Buffer.from(bytes), true);

function commandOf(bytes: Uint8Array): Command {
  const result = decode(bytes);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  assert.equal(result.items.length, 1);
  const item = result.items[0]!;
  assert.equal(item.kind, 'command');
  return item.command;
}

function failure(bytes: Uint8Array | number[]): string {
  const result = decode(Uint8Array.from(bytes));
  assert.equal(result.ok, false, 'expected the message to be refused');
  return result.ok ? '' : result.reason;
}

/** The same command through the JSON decoder (bytes `data` left out: JSON carries a value there). */
function viaJson(command: Json): Command {
  const request = Object.values(command).find((v) => typeof v === 'object') as Json;
  const { data: _data, ...rest } = request;
  const method = Object.keys(command).find((k) => k !== 'id')!;
  const text = JSON.stringify({ ...command, [method]: rest });
  const result = jsonEncoding.decode(Buffer.from(text), false);
  assert.ok(result.ok && result.items[0]!.kind === 'command');
  return result.items[0]!.command;
}

/** Decodes `command` from Protobuf, checks it equals the JSON decoding, and returns its data. */
function sameAsJson(command: Json): Uint8Array | undefined {
  const decoded = commandOf(commandsMessage(command));
  const { data, ...params } = decoded.params;
  assert.deepEqual({ ...decoded, params }, viaJson(command));
  if (data !== undefined) {
    assert.ok(data instanceof Uint8Array);
    assert.equal(Object.getPrototypeOf(data), Uint8Array.prototype, 'a plain Uint8Array, not a Buffer');
  }
  return data as Uint8Array | undefined;
}

const bytes = (text: string) => Buffer.from(text);
const text = (data: Uint8Array | undefined) => Buffer.from(data ?? []).toString();

/** A varint, for hand-made messages. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

/** One length-delimited command from its raw bytes. */
const delimited = (body: number[]) => [...varint(body.length), ...body];

describe('protobuf decode: every command means what its JSON form means', () => {
  it('connect', () => {
    const data = sameAsJson({
      id: 1,
      connect: {
        token: 'jwt',
        data: bytes('{"hello":true}'),
        subs: { 'news:1': { recover: true, epoch: 'ep', offset: 42 }, 'news:2': {} },
        name: 'js',
        version: '5.8.0',
        headers: { 'x-a': 'b' },
        flag: 3,
      },
    });
    assert.equal(text(data), '{"hello":true}');
  });

  it('subscribe, with every field including a tags filter', () => {
    const tf = {
      op: 'and',
      nodes: [
        { key: 'kind', cmp: 'in', vals: ['a', 'b'] },
        { op: 'not', nodes: [{ key: 'x', cmp: 'eq', val: '1' }] },
      ],
    };
    const data = sameAsJson({
      id: 7,
      subscribe: {
        channel: 'chat:1',
        token: 'sub-jwt',
        recover: true,
        epoch: 'abc',
        offset: Number.MAX_SAFE_INTEGER,
        data: bytes('[1,2]'),
        positioned: true,
        recoverable: true,
        join_leave: true,
        delta: 'fossil',
        tf,
        flag: 1,
        type: 2,
        phase: -1,
        cursor: 'c',
        limit: 10,
        asc: true,
      },
    });
    assert.equal(text(data), '[1,2]');
    const decoded = commandOf(commandsMessage({ id: 7, subscribe: { channel: 'c', tf } }));
    assert.deepEqual(parseTagsFilter(decoded.params.tf), parseTagsFilter(tf));
  });

  it('unsubscribe, presence, presence_stats, ping, refresh', () => {
    sameAsJson({ id: 2, unsubscribe: { channel: 'a' } });
    sameAsJson({ id: 3, presence: { channel: 'a' } });
    sameAsJson({ id: 4, presence_stats: { channel: 'a' } });
    sameAsJson({ id: 5, ping: {} });
    sameAsJson({ id: 6, refresh: { token: 't' } });
  });

  it('publish, including a map publish', () => {
    assert.equal(text(sameAsJson({ id: 1, publish: { channel: 'a', data: bytes('{"x":1}') } })), '{"x":1}');
    sameAsJson({ id: 2, publish: { channel: 'a', type: 1, key: 'k', removed: true } });
  });

  it('history, with since and a negative limit', () => {
    sameAsJson({
      id: 1,
      history: { channel: 'a', limit: -1, since: { offset: 5, epoch: 'e' }, reverse: true },
    });
  });

  it('send without id, rpc with method', () => {
    assert.equal(text(sameAsJson({ send: { data: bytes('"hi"') } })), '"hi"');
    assert.equal(text(sameAsJson({ id: 9, rpc: { method: 'sum', data: bytes('[1,2]') } })), '[1,2]');
  });

  it('sub_refresh, with track batches and untrack', () => {
    sameAsJson({
      id: 1,
      sub_refresh: {
        channel: 'a',
        token: 't',
        type: 1,
        track: [{ signature: 's', items: [{ key: 'k', version: 3 }] }],
        untrack: ['x', 'y'],
      },
    });
  });
});

describe('protobuf decode: defaults and presence', () => {
  it('leaves zero values out, even when written explicitly, and keeps empty messages', () => {
    // protobufjs writes a field that is set, zero or not: these are on the wire.
    const cmd = commandOf(
      commandsMessage({
        id: 1,
        subscribe: { channel: '', recover: false, offset: 0, flag: 0, epoch: '', data: new Uint8Array(0) },
      }),
    );
    assert.deepEqual(cmd.params, { data: new Uint8Array(0) });
    const history = commandOf(commandsMessage({ id: 1, history: { channel: 'a', since: {} } }));
    assert.deepEqual(history.params, { channel: 'a', since: {} });
  });

  it('always sets data of the requests that have it, empty when not sent', () => {
    for (const method of ['connect', 'subscribe', 'publish', 'rpc']) {
      const cmd = commandOf(commandsMessage({ id: 1, [method]: {} }));
      assert.deepEqual(cmd.params, { data: new Uint8Array(0) }, method);
    }
    assert.deepEqual(commandOf(commandsMessage({ send: {} })).params, { data: new Uint8Array(0) });
    assert.deepEqual(commandOf(commandsMessage({ id: 1, unsubscribe: {} })).params, {});
  });

  it('a later occurrence of a field wins; a repeated method merges', () => {
    const first = encodeMessage('SubscribeRequest', { channel: 'a', offset: 5 });
    const second = encodeMessage('SubscribeRequest', { offset: 0, recover: true });
    const body = [
      0x08,
      0x01,
      0x2a,
      ...varint(first.length),
      ...first,
      0x2a,
      ...varint(second.length),
      ...second,
    ];
    assert.deepEqual(commandOf(Uint8Array.from(delimited(body))).params, {
      channel: 'a',
      recover: true,
      data: new Uint8Array(0),
    });
  });

  it('makes a subs entry named like an Object.prototype member an own property', () => {
    const subs = JSON.parse('{"__proto__":{"recover":true},"constructor":{}}') as Json;
    const cmd = commandOf(commandsMessage({ id: 1, connect: { subs } }));
    const decoded = cmd.params.subs as Json;
    assert.deepEqual(Object.keys(decoded), ['__proto__', 'constructor']);
    assert.ok(Object.hasOwn(decoded, '__proto__'));
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value, { recover: true });
  });

  it('skips unknown fields inside a known request', () => {
    const known = encodeMessage('UnsubscribeRequest', { channel: 'a' });
    const body = [...known, 0xa0, 0x06, 0x05, 0x9a, 0x06, 0x02, 0x68, 0x69]; // fields 100 and 99
    const cmd = [0x08, 0x04, 0x32, ...varint(body.length), ...body];
    assert.deepEqual(commandOf(Uint8Array.from(delimited(cmd))).params, { channel: 'a' });
  });

  it('hands out data as a view into the message, not a copy', () => {
    const message = commandsMessage({ id: 1, publish: { channel: 'a', data: bytes('abc') } });
    const data = commandOf(message).params.data as Uint8Array;
    assert.equal(text(data), 'abc');
    assert.equal(data.byteLength, 3);
    assert.ok(data.buffer.byteLength >= message.length);
  });

  it('refuses an offset beyond 2^53 - 1 and a flag beyond ±(2^53 - 1)', () => {
    const offset = long('9007199254740992', true);
    assert.match(failure(commandsMessage({ id: 1, subscribe: { offset } })), /offset/);
    const max = long('18446744073709551615', true);
    assert.match(failure(commandsMessage({ id: 1, history: { since: { offset: max } } })), /offset/);
    assert.match(
      failure(commandsMessage({ id: 1, subscribe: { flag: long('-9007199254740992', false) } })),
      /flag/,
    );
    assert.equal(commandOf(commandsMessage({ id: 1, subscribe: { flag: -1 } })).params.flag, -1);
  });

  it('refuses invalid UTF-8 in a string field', () => {
    const body = [0x08, 0x01, 0x32, 0x03, 0x0a, 0x01, 0xff];
    assert.match(failure(delimited(body)), /UTF-8/);
  });

  it('bounds a deeply nested tags filter as the JSON path does (refused, 107)', () => {
    // Built by hand: protobufjs refuses to nest this deep itself.
    let node: Json = { key: 'k', cmp: 'eq', val: 'v' };
    let wire = [...encodeMessage('FilterNode', node)];
    for (let i = 0; i < 150; i++) {
      node = { op: 'not', nodes: [node] };
      wire = [0x0a, 0x03, ...bytes('not'), 0x32, ...varint(wire.length), ...wire];
    }
    const request = [0x0a, 0x01, 0x61, 0x6a, ...varint(wire.length), ...wire];
    const message = delimited([0x08, 0x01, 0x2a, ...varint(request.length), ...request]);
    const tf = commandOf(Uint8Array.from(message)).params.tf;
    const parsed = parseTagsFilter(tf);
    assert.deepEqual(parsed, parseTagsFilter(node));
    assert.ok(parsed !== undefined && !parsed.ok && parsed.problem.kind === 'invalid');
  });
});

describe('protobuf decode: framing, pongs and methods', () => {
  it('reads an empty command as a pong, with or without an explicit zero id', () => {
    assert.deepEqual(decode(protobufEncoding.ping), { ok: true, items: [{ kind: 'pong' }] });
    assert.deepEqual(decode(Uint8Array.from(delimited([0x08, 0x00]))), {
      ok: true,
      items: [{ kind: 'pong' }],
    });
  });

  it('reads several commands of one message in order', () => {
    const result = decode(
      commandsMessage({ id: 1, ping: {} }, {}, { id: 2, presence: { channel: 'x' } }, { send: {} }),
    );
    assert.ok(result.ok);
    assert.deepEqual(
      result.items.map((i) => (i.kind === 'command' ? `${i.command.id}:${i.command.method}` : i.kind)),
      ['1:ping', 'pong', '2:presence', '0:send'],
    );
  });

  it('takes up to MAX_COMMANDS_PER_FRAME commands, refuses more', () => {
    const at = (n: number) => new Uint8Array(n); // n pongs
    const ok = decode(at(MAX_COMMANDS_PER_FRAME));
    assert.ok(ok.ok && ok.items.length === MAX_COMMANDS_PER_FRAME);
    assert.match(failure(at(MAX_COMMANDS_PER_FRAME + 1)), /too many commands/);
  });

  it('an unknown method with an id is unknown; without an id it is refused', () => {
    // Field 16 (a method of a later protocol) and field 2 (the old protocol's `method`).
    assert.deepEqual(decode(Uint8Array.from(delimited([0x08, 0x05, 0x82, 0x01, 0x00]))), {
      ok: true,
      items: [{ kind: 'unknown', id: 5 }],
    });
    assert.deepEqual(decode(Uint8Array.from(delimited([0x08, 0x06, 0x10, 0x01]))), {
      ok: true,
      items: [{ kind: 'unknown', id: 6 }],
    });
    assert.match(failure(delimited([0x82, 0x01, 0x00])), /unknown method without id/);
  });

  it('refuses what the JSON decoder refuses: no id, no method, two methods', () => {
    assert.match(failure(commandsMessage({ subscribe: { channel: 'a' } })), /id is required/);
    assert.match(failure(commandsMessage({ id: 3 })), /no method/);
    assert.match(failure(commandsMessage({ id: 3, ping: {}, presence: {} })), /exactly one method/);
  });

  it('refuses malformed messages', () => {
    const good = [...commandsMessage({ id: 1, ping: {} })];
    assert.match(failure([]), /empty/);
    assert.match(failure([0x80]), /truncated varint/); // length prefix cut short
    assert.match(failure([0x05, 0x08, 0x01]), /length beyond/); // 5 bytes announced, 2 sent
    assert.match(failure([0x04, 0x08, 0x01, 0x5a, 0x05]), /length beyond/); // nested field too long
    assert.match(failure([...good, 0xff]), /truncated varint/); // trailing garbage
    assert.match(failure([...good, 0x02, 0x08]), /malformed/); // trailing half command
    assert.match(failure(delimited([0x08, 0x01, 0x28, 0x01])), /wrong wire type/); // subscribe as varint
    assert.match(failure(delimited([0x0a, 0x00])), /wrong wire type/); // id as bytes
    assert.match(failure(delimited([0x08, 0x01, 0x32, 0x02, 0x08, 0x01])), /wrong wire type/); // channel as varint
    assert.match(failure(delimited([0x0c])), /malformed/); // end group without a start
    assert.match(failure(delimited([0x07])), /malformed/); // wire type 7
    assert.match(failure(delimited([0x00])), /malformed/); // field number 0
    assert.match(failure([...varint(2 ** 32 + 2), 0x08, 0x01]), /length beyond/); // 33-bit length
    assert.match(failure([...Array(11).fill(0xff), 0x01]), /varint/); // over 10 bytes
  });

  it('reads a text frame as Protobuf bytes too, as Centrifugo does', () => {
    const result = protobufEncoding.decode(commandsMessage({ id: 1, ping: {} }), false);
    assert.ok(result.ok && result.items[0]!.kind === 'command');
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (input) => {
        const result = decode(input);
        assert.equal(typeof result.ok, 'boolean');
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws on a valid message with random bytes changed', () => {
    const valid = commandsMessage(
      { id: 1, connect: { token: 't', subs: { a: { recover: true, offset: 3 } }, data: bytes('{}') } },
      { id: 2, subscribe: { channel: 'c', tf: { op: 'or', nodes: [{ key: 'k', cmp: 'ex' }] } } },
      { id: 3, history: { channel: 'c', since: { offset: 1, epoch: 'e' } } },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        (edits) => {
          const input = Buffer.from(valid);
          for (const [at, value] of edits) input[at] = value;
          assert.equal(typeof decode(input).ok, 'boolean');
        },
      ),
      { numRuns: 5000 },
    );
  });
});
