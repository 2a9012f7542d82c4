/** SharedWire: a flush's connections with the same queue share one framed buffer, others get their own. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Framer, SharedWire } from '../../../src/gateway/shared-wire.js';
import { jsonEncoding } from '../../../src/protocol/json/index.js';
import { protobufEncoding } from '../../../src/protocol/protobuf/index.js';

let framed = 0;
const bracket: Framer = {
  frame(payload) {
    framed++;
    return Buffer.concat([Buffer.from('['), payload, Buffer.from(']')]);
  },
};
const other: Framer = { frame: (payload) => Buffer.from(payload) };

describe('SharedWire', () => {
  it('frames a queue once for every connection holding the same frames in the same order', () => {
    const wire = new SharedWire();
    const a = Buffer.from('{"a":1}');
    const b = Buffer.from('{"b":2}');
    framed = 0;
    const first = wire.of([a, b], a.length + b.length, jsonEncoding, bracket);
    const second = wire.of([a, b], a.length + b.length, jsonEncoding, bracket);
    assert.equal(first.toString(), '[{"a":1}\n{"b":2}]');
    assert.equal(second, first, 'the same Buffer object');
    assert.equal(framed, 1);
  });

  it('frames again when the frames, their order, the encoding or the framer differ', () => {
    const wire = new SharedWire();
    const a = Buffer.from('{"a":1}');
    const b = Buffer.from('{"b":2}');
    const copyOfA = Buffer.from('{"a":1}');
    const n = a.length + b.length;
    framed = 0;
    const base = wire.of([a, b], n, jsonEncoding, bracket);
    assert.notEqual(wire.of([b, a], n, jsonEncoding, bracket), base);
    assert.equal(wire.of([copyOfA, b], n, jsonEncoding, bracket).toString(), base.toString());
    assert.equal(framed, 3, 'an equal but distinct frame is not taken for the same one');
    const binary = wire.of([a, b], n, protobufEncoding, bracket);
    assert.notEqual(binary.toString(), base.toString(), 'Protobuf joins without newlines');
    assert.equal(wire.of([a, b], n, jsonEncoding, other).toString(), '{"a":1}\n{"b":2}');
    assert.equal(wire.of([a], a.length, jsonEncoding, other).toString(), '{"a":1}');
  });

  it('keeps nothing after clear()', () => {
    const wire = new SharedWire();
    const a = Buffer.from('x');
    framed = 0;
    wire.of([a], 1, jsonEncoding, bracket);
    wire.clear();
    wire.of([a], 1, jsonEncoding, bracket);
    assert.equal(framed, 2);
  });
});
