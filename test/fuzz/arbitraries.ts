/**
 * Generators shared by the fuzz properties: client commands with well-typed, wrong-typed, huge and
 * deeply nested field values, strings that are not well-formed Unicode, and byte-level mutations of
 * encoded frames.
 */
import fc from 'fast-check';

/** Every client command method and the request fields it reads. */
export const COMMAND_FIELDS: Record<string, readonly string[]> = {
  connect: ['token', 'data', 'subs', 'name', 'version'],
  subscribe: [
    'channel',
    'token',
    'recover',
    'epoch',
    'offset',
    'recoverable',
    'positioned',
    'join_leave',
    'flag',
    'data',
  ],
  unsubscribe: ['channel'],
  publish: ['channel', 'data'],
  presence: ['channel'],
  presence_stats: ['channel'],
  history: ['channel', 'limit', 'since', 'reverse'],
  ping: [],
  send: ['data'],
  rpc: ['method', 'data'],
  refresh: ['token'],
  sub_refresh: ['channel', 'token'],
};

export const COMMAND_METHODS = Object.keys(COMMAND_FIELDS);

/** Method names no server knows, including ones that collide with Object.prototype. */
export const unknownMethod = fc.oneof(
  fc.constantFrom('foo', 'Connect', 'subscribe ', 'batch', '__proto__', 'constructor', 'toString', ''),
  fc.string({ maxLength: 12 }).filter((s) => !(s in COMMAND_FIELDS) && s !== 'id'),
);

/** Numbers at and beyond every edge a field reader checks. */
export const edgeNumber = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    1,
    1.5,
    2 ** 31,
    2 ** 32,
    2 ** 53 - 1,
    2 ** 53,
    2 ** 64,
    -(2 ** 53),
    1e21,
    1e308,
    -1e308,
    5e-324,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** JSON text of a number the JSON grammar allows but no double holds exactly (or at all). */
export const hugeNumberText = fc.constantFrom(
  '1e400',
  '-1e400',
  '123456789012345678901234567890',
  '0.0000000000000000000000000000000000000000000000001',
  '1E+999',
  '-0.0',
  '9007199254740993',
);

/** JSON nested `depth` levels deep, as text (arrays or objects). */
export function deepJsonText(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? '['.repeat(depth) + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/**
 * Strings that are not well-formed Unicode: ordinary text around a lone high or low surrogate, a
 * reversed pair, or any single surrogate code unit. JSON carries them as `\ud800` escapes; the server
 * must refuse them as names (107), never pass them to the engine (where UTF-8 turns them into U+FFFD).
 */
export const illFormedString: fc.Arbitrary<string> = fc
  .tuple(
    fc.string({ maxLength: 6 }),
    fc.oneof(
      fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', '\udc00\ud800', '\ud83d', '\ude00'),
      fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)),
    ),
    fc.string({ maxLength: 6 }),
  )
  .map(([before, lone, after]) => before + lone + after);

/** Any JSON value, biased toward strings with unusual code points (lone surrogates, NUL, newlines). */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  edgeNumber,
  fc.string({ unit: 'binary', maxLength: 20 }),
  illFormedString,
  fc.constantFrom('', '\n', '\u0000', '\ud800', 'a\udc00b', ' ', '$private', 'ns:', ':x', '#', '#u1,u2'),
);

/** Channel names: valid ones in the fuzz node's namespaces, and every kind of invalid one. */
export const channelName = fc.oneof(
  fc.constantFrom(
    'news',
    'chat',
    'ns:room',
    'hist:feed',
    'nohist:feed',
    'unknown:x',
    '$secret',
    'ns:$secret',
    'dialog#u1,u2',
    '#u1',
    ':empty',
    '',
    'a'.repeat(300),
    '\ud83d\ude00'.repeat(200),
    // Names in real namespaces with a lone surrogate, so refusal is checked past the namespace lookup.
    'hist:feed\ud800',
    'ns:room\udc00',
    'news\udc00\ud800',
  ),
  fc.string({ maxLength: 16 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  illFormedString,
);

/** A value for one request field: usually a plausible one, often a wrong type. */
export function fieldValue(field: string, tokens: readonly string[]): fc.Arbitrary<unknown> {
  const plausible: Record<string, fc.Arbitrary<unknown>> = {
    channel: channelName,
    token:
      tokens.length > 0
        ? fc.oneof(fc.constantFrom(...tokens), fc.string(), illFormedString)
        : fc.oneof(fc.string(), illFormedString),
    data: fc.jsonValue({ maxDepth: 4 }),
    subs: fc.dictionary(
      channelName,
      fc.record(
        { recover: fc.boolean(), epoch: fc.oneof(fc.string(), illFormedString), offset: edgeNumber },
        { requiredKeys: [] },
      ),
      { maxKeys: 3 },
    ),
    name: fc.oneof(fc.string(), illFormedString),
    version: fc.oneof(fc.string(), illFormedString),
    recover: fc.boolean(),
    recoverable: fc.boolean(),
    positioned: fc.boolean(),
    join_leave: fc.boolean(),
    reverse: fc.boolean(),
    epoch: fc.oneof(fc.string({ maxLength: 10 }), illFormedString),
    offset: edgeNumber,
    limit: edgeNumber,
    flag: edgeNumber,
    since: fc.record({ offset: fc.oneof(edgeNumber, anyJson), epoch: anyJson }, { requiredKeys: [] }),
    method: fc.string(),
  };
  return fc.oneof({ arbitrary: plausible[field] ?? anyJson, weight: 3 }, { arbitrary: anyJson, weight: 2 });
}

/** The request object of a command: a random subset of its fields, plus stray ones. */
export function commandParams(
  method: string,
  tokens: readonly string[],
): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.hasOwn(COMMAND_FIELDS, method) ? COMMAND_FIELDS[method]! : [];
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of fields) record[field] = fieldValue(field, tokens);
  return fc
    .tuple(
      fc.record(record, { requiredKeys: [] }),
      fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 2 }),
    )
    .map(([known, stray]) => ({ ...stray, ...known }));
}

/** A well-formed command of a known method (id supplied later), with random or wrong-typed fields. */
export function knownCommand(tokens: readonly string[]): fc.Arbitrary<{
  method: string;
  params: Record<string, unknown>;
}> {
  return fc
    .constantFrom(...COMMAND_METHODS)
    .chain((method) => commandParams(method, tokens).map((params) => ({ method, params })));
}

/** One edit of a byte string. */
export type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; at: number; length: number; to: number }
  | { op: 'splice'; at: number; donorAt: number; length: number };

const position = fc.nat({ max: 1 << 16 });

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }),
  fc.record({
    op: fc.constant('set' as const),
    at: position,
    byte: fc.constantFrom(0, 0x0a, 0x22, 0x7b, 0x7d, 0xff, 0xc0, 0xed),
  }),
  fc.record({
    op: fc.constant('insert' as const),
    at: position,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }),
  }),
  fc.record({ op: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({
    op: fc.constant('duplicate' as const),
    at: position,
    length: fc.integer({ min: 1, max: 24 }),
    to: position,
  }),
  fc.record({
    op: fc.constant('splice' as const),
    at: position,
    donorAt: position,
    length: fc.integer({ min: 1, max: 32 }),
  }),
);

/** Applies mutations in order; positions wrap around the current length. `donor` feeds splices. */
export function mutate(input: Uint8Array, mutations: readonly Mutation[], donor: Uint8Array = input): Buffer {
  let bytes = Buffer.from(input);
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : m.at % (bytes.length + 1);
    switch (m.op) {
      case 'flip':
        if (at < bytes.length) bytes[at] = bytes[at]! ^ (1 << m.bit);
        break;
      case 'set':
        if (at < bytes.length) bytes[at] = m.byte;
        break;
      case 'insert':
        bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
        break;
      case 'delete':
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
        break;
      case 'duplicate': {
        const piece = bytes.subarray(at, at + m.length);
        const to = m.to % (bytes.length + 1);
        bytes = Buffer.concat([bytes.subarray(0, to), piece, bytes.subarray(to)]);
        break;
      }
      case 'splice': {
        const from = donor.length === 0 ? 0 : m.donorAt % donor.length;
        const piece = donor.subarray(from, from + m.length);
        bytes = Buffer.concat([bytes.subarray(0, at), piece, bytes.subarray(at)]);
        break;
      }
    }
  }
  return bytes;
}

/** Byte strings that are not UTF-8: lone continuation bytes, overlongs, surrogates, truncations. */
export const invalidUtf8 = fc
  .tuple(
    fc.string({ maxLength: 10 }),
    fc.constantFrom(
      [0x80],
      [0xc0, 0xaf],
      [0xe0, 0x80, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xff],
      [0xfe, 0xff],
      [0xe2, 0x82],
      [0xf0, 0x9f, 0x98],
    ),
    fc.string({ maxLength: 10 }),
  )
  .map(([a, bad, b]) => Buffer.concat([Buffer.from(a), Buffer.from(bad), Buffer.from(b)]));
