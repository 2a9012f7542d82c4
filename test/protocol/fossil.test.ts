/**
 * Fossil deltas: the encoder produces the bytes fossil and the Go port produce (test/fixtures/fossil),
 * every delta it makes is applied by our strict decoder and by the centrifuge SDK's own decoder, a
 * delta of a JSON document with one field changed is small, and malformed deltas fail with a code.
 */
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Centrifuge as JsonCentrifuge } from 'centrifuge';
import { Centrifuge as ProtobufCentrifuge } from 'centrifuge/build/protobuf';
import fc from 'fast-check';
import {
  applyFossilDelta,
  createFossilDelta,
  FossilDeltaError,
  type FossilDeltaErrorCode,
} from '../../src/protocol/delta/fossil.js';
import { checkProperty } from '../fuzz/run-property.js';

const FIXTURES = new URL('../fixtures/fossil/', import.meta.url);
const text = new TextEncoder();

/** The slice of the SDK's codec that decodes a publication; `applyDelta` itself is not exported. */
interface SdkCodec {
  applyDeltaIfNeeded(
    pub: { delta: boolean; data: Uint8Array | string },
    prevValue: Uint8Array,
  ): { newPrevValue: Uint8Array };
}

/**
 * The codec a client of that SDK build uses to turn a delta publication into data: the binary one
 * (protobuf transport) applies the delta bytes, the JSON one gets the delta as a string. Constructing
 * a client opens no connection. The codec is an internal field, so its shape is checked first.
 */
function sdkCodec(client: object): SdkCodec {
  const codec: unknown = Reflect.get(client, '_codec');
  assert.ok(
    typeof codec === 'object' &&
      codec !== null &&
      typeof Reflect.get(codec, 'applyDeltaIfNeeded') === 'function',
    'the centrifuge SDK no longer keeps its codec in `_codec`: update sdkCodec()',
  );
  return codec as SdkCodec;
}
const binarySdk = sdkCodec(new ProtobufCentrifuge('ws://127.0.0.1:1/connection/websocket'));
const jsonSdk = sdkCodec(new JsonCentrifuge('ws://127.0.0.1:1/connection/websocket'));

/** The target as the SDK's binary (protobuf transport) decoder rebuilds it. */
function sdkApply(source: Uint8Array, delta: Uint8Array): Uint8Array {
  return binarySdk.applyDeltaIfNeeded({ delta: true, data: delta }, source).newPrevValue;
}

/** Our delta, checked three ways: our decoder and the SDK's rebuild the target, and it is not oversized. */
function roundTrip(source: Uint8Array, target: Uint8Array): Uint8Array {
  const delta = createFossilDelta(source, target);
  assert.deepEqual(Buffer.from(applyFossilDelta(source, delta)), Buffer.from(target));
  assert.deepEqual(Buffer.from(sdkApply(source, delta)), Buffer.from(target));
  assert.ok(
    delta.length <= target.length + 21,
    `delta ${delta.length} bytes for a ${target.length}-byte target`,
  );
  return delta;
}

/** A seeded generator, so failures reproduce. */
function random(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
}

function randomBytes(length: number, seed: number): Uint8Array {
  const next = random(seed);
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = next(256);
  return bytes;
}

/** A ~2 KB JSON document like a publication: a quote and an order book. */
function quote(price: number, name = 'Acme Corp'): Uint8Array {
  const book = Array.from({ length: 40 }, (_, level) => ({
    level,
    bid: 100 + level + ((level * 37) % 100) / 100,
    ask: 101 + level + ((level * 53) % 100) / 100,
    size: 1000 + level * 17,
  }));
  return text.encode(JSON.stringify({ symbol: 'ACME', price, name, time: 1_700_000_000_000, book }));
}

function assertCode(fn: () => unknown, code: FossilDeltaErrorCode): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof FossilDeltaError, `expected a FossilDeltaError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

describe('createFossilDelta: the vectors of fossil and the Go port', () => {
  const names = readdirSync(FIXTURES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'generate')
    .map((entry) => entry.name);

  it('finds the vectors', () => {
    assert.ok(names.length >= 10, names.join(', '));
  });

  for (const name of names) {
    it(`${name}: same delta bytes, and both decoders rebuild the target`, () => {
      const read = (file: string) => new Uint8Array(readFileSync(new URL(`${name}/${file}`, FIXTURES)));
      const [origin, target, delta] = [read('origin'), read('target'), read('delta')];
      assert.deepEqual(Buffer.from(createFossilDelta(origin, target)), Buffer.from(delta));
      assert.deepEqual(Buffer.from(applyFossilDelta(origin, delta)), Buffer.from(target));
      assert.deepEqual(Buffer.from(sdkApply(origin, delta)), Buffer.from(target));
    });
  }
});

describe('createFossilDelta: round trips', () => {
  const doc = quote(1234.5);

  it('an empty source: the target as one insert', () => {
    const delta = roundTrip(new Uint8Array(0), doc);
    assert.match(Buffer.from(delta).toString('latin1'), /^([0-9A-Za-z_~]+)\n\1:/);
    assert.ok(!Buffer.from(delta).includes('@'));
  });

  it('an empty target, against a short and a long source', () => {
    assert.equal(Buffer.from(roundTrip(text.encode('short'), new Uint8Array(0))).toString(), '0\n0:0;');
    assert.equal(Buffer.from(roundTrip(doc, new Uint8Array(0))).toString(), '0\n0;');
    assert.equal(Buffer.from(roundTrip(new Uint8Array(0), new Uint8Array(0))).toString(), '0\n0:0;');
  });

  it('identical inputs: one copy command', () => {
    const delta = roundTrip(doc, doc);
    assert.match(Buffer.from(delta).toString('latin1'), /^[0-9A-Za-z_~]+\n[0-9A-Za-z_~]+@0,[0-9A-Za-z_~]+;$/);
  });

  it('sources of up to 16 bytes are not indexed: the target is inserted', () => {
    for (const length of [1, 15, 16]) {
      const source = doc.subarray(0, length);
      const delta = roundTrip(source, doc.subarray(0, 40));
      assert.ok(!Buffer.from(delta).includes('@'), `source of ${length} bytes`);
    }
    assert.ok(Buffer.from(roundTrip(doc.subarray(0, 40), doc.subarray(0, 40))).includes('@'));
  });

  it('a 2 KB JSON document with one field changed: under 20% of the target (a product requirement)', () => {
    const source = quote(1234.5);
    const target = quote(1234.75);
    assert.ok(target.length >= 2000 && target.length <= 2600, `document of ${target.length} bytes`);
    const delta = roundTrip(source, target);
    assert.ok(delta.length < target.length * 0.2, `delta of ${delta.length} bytes for ${target.length}`);
    // In practice it is a few dozen bytes: two copies around the changed digits.
    assert.ok(delta.length < 64, `delta of ${delta.length} bytes`);
  });

  it("each delta is the caller's: the next call does not overwrite it", () => {
    const first = createFossilDelta(doc, quote(1));
    const kept = Buffer.from(first);
    createFossilDelta(quote(2), quote(3));
    createFossilDelta(doc, randomBytes(300_000, 8));
    assert.deepEqual(Buffer.from(first), kept);
  });

  it('completely different inputs: about the target, never much more', () => {
    roundTrip(randomBytes(2048, 1), randomBytes(2048, 2));
    roundTrip(quote(1), randomBytes(3000, 3));
  });

  it('one byte changed anywhere in a 2 KB document', () => {
    for (let at = 0; at < doc.length; at += 97) {
      const target = Uint8Array.from(doc);
      target[at] = 0x20;
      assert.ok(roundTrip(doc, target).length < 64, `byte ${at}`);
    }
  });

  it('1 MB inputs: identical, edited, different, and runs of one byte', () => {
    const source = randomBytes(1 << 20, 4);
    roundTrip(source, source);
    const edited = Uint8Array.from(source);
    const next = random(5);
    for (let n = 0; n < 50; n++) edited[next(edited.length)] = next(256);
    const spliced = Buffer.concat([
      edited.subarray(300_000),
      randomBytes(1000, 6),
      edited.subarray(0, 300_000),
    ]);
    assert.ok(roundTrip(source, spliced).length < 10_000);
    roundTrip(source, randomBytes(1 << 20, 7));
    roundTrip(new Uint8Array(1 << 20), new Uint8Array((1 << 20) + 5));
  });

  it('the SDK JSON transport applies the delta sent as a string when the delta is UTF-8', () => {
    const source = quote(10, 'Äcme Çorp ☃');
    const target = quote(11, 'Äcme Çorp ☃ 日本');
    const delta = createFossilDelta(source, target);
    assert.ok(isUtf8(delta));
    const result = jsonSdk.applyDeltaIfNeeded({ delta: true, data: Buffer.from(delta).toString() }, source);
    assert.deepEqual(Buffer.from(result.newPrevValue), Buffer.from(target));
  });

  it('a delta of two UTF-8 texts need not be UTF-8: a copy can end inside a character', () => {
    // é is C3 A9 and è is C3 A8: the copy takes C3 and the insert is a lone A8. On the JSON transport
    // such a delta does not survive being sent as a string, so whoever sends it there has to check.
    const doc = (name: string) =>
      text.encode(`{"n":"${'x'.repeat(40)}","name":"${name}","m":"${'y'.repeat(40)}"}`);
    const delta = roundTrip(doc('café'), doc('cafè'));
    assert.equal(isUtf8(delta), false);
  });
});

describe('createFossilDelta: properties', () => {
  /** A target made from the source by a few edits, so deltas have copies as well as inserts. */
  const edited = fc
    .record({
      source: fc.uint8Array({ maxLength: 3000 }),
      edits: fc.array(
        fc.record({ at: fc.nat(), remove: fc.nat({ max: 300 }), insert: fc.uint8Array({ maxLength: 40 }) }),
        { maxLength: 8 },
      ),
    })
    .map(({ source, edits }) => {
      let target = Buffer.from(source);
      for (const edit of edits) {
        const at = target.length === 0 ? 0 : edit.at % target.length;
        target = Buffer.concat([target.subarray(0, at), edit.insert, target.subarray(at + edit.remove)]);
      }
      return { source, target: new Uint8Array(target) };
    });

  it('any source and edited target round-trip through both decoders', () => {
    checkProperty(
      'fossil round trip (edited)',
      fc.property(edited, ({ source, target }) => {
        roundTrip(source, target);
      }),
      300,
    );
  });

  it('any two byte strings round-trip through both decoders', () => {
    checkProperty(
      'fossil round trip (unrelated)',
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ maxLength: 600 }), (source, target) => {
        roundTrip(source, target);
      }),
      300,
    );
  });

  it('the decoder returns the target or throws a FossilDeltaError for any corrupted delta', () => {
    checkProperty(
      'fossil decoder (corrupted)',
      fc.property(edited, fc.nat(), fc.integer({ min: 0, max: 255 }), ({ source, target }, at, byte) => {
        const delta = createFossilDelta(source, target);
        delta[at % delta.length] = byte;
        try {
          applyFossilDelta(source, delta);
        } catch (error) {
          assert.ok(error instanceof FossilDeltaError, String(error));
        }
      }),
      300,
    );
  });
});

describe('applyFossilDelta: strict decoding', () => {
  const source = text.encode('abcdefghijklmnopqrstuvwxyz0123456789');
  const apply = (delta: string) => () => applyFossilDelta(source, text.encode(delta));
  const valid = Buffer.from(
    createFossilDelta(source, text.encode('abcdefghijklmnopqrstuvwxyz!!')),
  ).toString();

  it('applies a hand-written delta', () => {
    // 28 bytes: copy 26 from 0, insert "!!"; 28 is "S" in the base-64 digits, 26 is "Q".
    assert.equal(valid.slice(0, 10), 'S\nQ@0,2:!!');
    assert.equal(Buffer.from(apply(valid)()).toString(), 'abcdefghijklmnopqrstuvwxyz!!');
  });

  it('refuses a bad checksum: a delta made for another source', () => {
    const other = Uint8Array.from(source);
    other[3] = 0x44;
    assertCode(() => applyFossilDelta(other, text.encode(valid)), 'FOSSIL_DELTA_BAD_CHECKSUM');
    const checksum = valid.slice(valid.lastIndexOf(':') + 3, -1);
    const flipped = checksum.replace(/^./, (c) => (c === '1' ? '2' : '1'));
    assertCode(apply(valid.replace(`${checksum};`, `${flipped};`)), 'FOSSIL_DELTA_BAD_CHECKSUM');
  });

  it('refuses malformed syntax', () => {
    assertCode(apply(''), 'FOSSIL_DELTA_MALFORMED');
    assertCode(apply('S'), 'FOSSIL_DELTA_MALFORMED');
    assertCode(apply('S;'), 'FOSSIL_DELTA_MALFORMED');
    assertCode(apply('\n0;'), 'FOSSIL_DELTA_MALFORMED');
    assertCode(apply(valid.slice(0, -1)), 'FOSSIL_DELTA_MALFORMED');
    assertCode(apply(valid.replace('Q@0,', 'Q@0.')), 'FOSSIL_DELTA_MALFORMED');
    assertCode(apply(valid.replace('Q@0,', 'Q@,')), 'FOSSIL_DELTA_MALFORMED');
    assertCode(apply(valid.replace('Q@0,', 'Q#0,')), 'FOSSIL_DELTA_MALFORMED');
    assertCode(apply(`${valid}x`), 'FOSSIL_DELTA_MALFORMED');
    assertCode(apply('1\n~~~~~~~:x'), 'FOSSIL_DELTA_MALFORMED');
  });

  it('refuses commands outside the source, the delta or the declared size', () => {
    assertCode(apply('S\nQ@B,2:!!0;'), 'FOSSIL_DELTA_OUT_OF_RANGE');
    assertCode(apply('S\nQ@0,9:!!0;'), 'FOSSIL_DELTA_OUT_OF_RANGE');
    assertCode(apply('2\nQ@0,0;'), 'FOSSIL_DELTA_OUT_OF_RANGE');
    assertCode(apply('1\n2:!!0;'), 'FOSSIL_DELTA_OUT_OF_RANGE');
    // A header promising more than its commands could make is refused before anything is allocated.
    assertCode(apply('zzzzz\n0;'), 'FOSSIL_DELTA_OUT_OF_RANGE');
  });

  it('refuses a delta that makes fewer bytes than it declares', () => {
    assertCode(apply('T\nQ@0,2:!!0;'), 'FOSSIL_DELTA_SIZE_MISMATCH');
  });
});
