/**
 * Properties of the protocol decoder over random, mutated, huge and malformed input: it never throws
 * and returns commands or a typed failure.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type DecodeResult, MAX_COMMANDS_PER_FRAME } from '../../src/protocol/frame-items.js';
import { decodeFrame } from '../../src/protocol/json/decode.js';
import {
  anyJson,
  COMMAND_METHODS,
  deepJsonText,
  hugeNumberText,
  invalidUtf8,
  knownCommand,
  mutate,
  mutation,
  unknownMethod,
} from './arbitraries.js';
import { checkProperty } from './run-property.js';

const METHODS = new Set(COMMAND_METHODS);

/** The decoder's contract: a typed failure, or 1-256 items each of a valid shape. */
function assertDecoded(result: DecodeResult): void {
  if (!result.ok) {
    assert.equal(typeof result.reason, 'string');
    assert.ok(result.reason.length > 0);
    return;
  }
  assert.ok(result.items.length >= 1 && result.items.length <= MAX_COMMANDS_PER_FRAME);
  for (const item of result.items) {
    if (item.kind === 'pong') continue;
    if (item.kind === 'unknown') {
      assert.ok(Number.isSafeInteger(item.id) && item.id > 0);
      continue;
    }
    assert.equal(item.kind, 'command');
    const { id, method, params } = item.command;
    assert.ok(METHODS.has(method), method);
    assert.ok(Number.isSafeInteger(id) && id >= 0);
    assert.ok(id > 0 || method === 'send');
    assert.ok(typeof params === 'object' && params !== null && !Array.isArray(params));
  }
}

function decodes(text: string): DecodeResult {
  const result = decodeFrame(text);
  assertDecoded(result);
  return result;
}

const command = knownCommand(['x.y.z']);
const id = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const encodedCommand = fc.tuple(id, command).map(([n, c]) => JSON.stringify({ id: n, [c.method]: c.params }));
const validFrame = fc.array(encodedCommand, { minLength: 1, maxLength: 6 }).map((lines) => lines.join('\n'));

describe('fuzz: protocol decoder', () => {
  it('never throws on random text or random bytes read as UTF-8', () => {
    checkProperty(
      'decoder: random input',
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.string({ unit: fc.constantFrom(...'{}[]":,\n 0123456789-.eEidtruefalsn\\'), maxLength: 120 }),
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString()),
          invalidUtf8.map((b) => b.toString()),
        ),
        (text) => {
          decodes(text);
        },
      ),
      1200,
    );
  });

  it('decodes well-formed frames into exactly the commands they carry', () => {
    checkProperty(
      'decoder: valid frames round trip',
      fc.property(
        fc.array(fc.tuple(id, command, fc.constantFrom('', ' ', '\t', '\r')), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        (commands, withPong) => {
          const lines = commands.map(
            ([n, c, pad]) => pad + JSON.stringify({ id: n, [c.method]: c.params }) + pad,
          );
          if (withPong) lines.push('{}');
          const result = decodes(`\n${lines.join('\n\n')}\n`);
          assert.ok(result.ok, result.ok ? '' : result.reason);
          const got = result.items.filter((i) => i.kind === 'command').map((i) => i.command);
          assert.deepEqual(
            got,
            // Generated objects may lack a prototype; what arrives is what JSON carries.
            commands.map(([n, c]) => ({
              id: n,
              method: c.method,
              params: JSON.parse(JSON.stringify(c.params)),
            })),
          );
          assert.equal(result.items.filter((i) => i.kind === 'pong').length, withPong ? 1 : 0);
        },
      ),
      800,
    );
  });

  it('never throws on mutated command frames (flips, inserts, deletes, spliced fields)', () => {
    checkProperty(
      'decoder: mutated frames',
      fc.property(
        validFrame,
        validFrame,
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        (a, b, edits) => {
          decodes(mutate(Buffer.from(a), edits, Buffer.from(b)).toString());
        },
      ),
      1500,
    );
  });

  it('refuses every wrong type of id and of the request object, for every method', () => {
    const method = fc.oneof(fc.constantFrom(...COMMAND_METHODS), unknownMethod);
    checkProperty(
      'decoder: wrong-typed id and request',
      fc.property(
        method,
        fc.oneof(
          anyJson.filter((v) => !(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)),
          fc.constantFrom(-1, 1.5, 2 ** 53, -0.5),
        ),
        anyJson.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
        (m, badId, badRequest) => {
          const wrongId = decodes(JSON.stringify({ id: badId, [m]: {} }));
          assert.equal(wrongId.ok, false);
          const wrongRequest = decodes(JSON.stringify({ id: 1, [m]: badRequest }));
          assert.equal(wrongRequest.ok, false);
          // A method that is not a known one never turns into a command.
          const unknown = decodes(JSON.stringify({ id: 7, [m]: {} }));
          if (!METHODS.has(m) && m !== 'id') {
            assert.ok(unknown.ok && unknown.items[0]?.kind === 'unknown', m);
          }
        },
      ),
      600,
    );
  });

  it('handles huge numbers, deep nesting and many commands per frame', () => {
    checkProperty(
      'decoder: huge and deep',
      fc.property(
        hugeNumberText,
        fc.integer({ min: 1, max: 20_000 }),
        fc.constantFrom('array' as const, 'object' as const),
        fc.integer({ min: MAX_COMMANDS_PER_FRAME - 3, max: MAX_COMMANDS_PER_FRAME + 3 }),
        (huge, depth, kind, count) => {
          decodes(`{"id":${huge},"ping":{}}`);
          const inParams = decodes(`{"id":1,"publish":{"channel":"news","data":${huge}}}`);
          assert.ok(inParams.ok);
          const deep = decodes(`{"id":2,"publish":{"channel":"news","data":${deepJsonText(depth, kind)}}}`);
          assert.ok(deep.ok);
          decodes(deepJsonText(depth, kind));
          const many = decodes(
            Array.from({ length: count }, (_, i) => `{"id":${i + 1},"ping":{}}`).join('\n'),
          );
          assert.equal(many.ok, count <= MAX_COMMANDS_PER_FRAME);
        },
      ),
      150,
    );
  });
});
