/** The tags filter (`tf`): decoding, Centrifugo's validation rules and every operator's evaluation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTagsFilter, type Tags } from '../../src/gateway/tags-filter.js';
import { compareDecimals, parseDecimal } from '../../src/gateway/tags-filter-decimal.js';
import { MAX_FILTER_DEPTH, parseTagsFilter } from '../../src/protocol/tags-filter.js';

/** Compiles `tf`, failing the test when it does not parse. */
function matcher(tf: unknown): (tags: Tags) => boolean {
  const parsed = parseTagsFilter(tf);
  assert.ok(parsed?.ok, `expected a valid filter: ${JSON.stringify(parsed)}`);
  return compileTagsFilter(parsed.node);
}

function problem(tf: unknown): string | undefined {
  const parsed = parseTagsFilter(tf);
  return parsed === undefined || parsed.ok ? undefined : parsed.problem.kind;
}

describe('tags filter comparisons', () => {
  const t = { kind: 'alpha', n: '10', empty: '' };

  it('eq and neq: a missing tag equals nothing and differs from everything', () => {
    assert.equal(matcher({ key: 'kind', cmp: 'eq', val: 'alpha' })(t), true);
    assert.equal(matcher({ key: 'kind', cmp: 'eq', val: 'alp' })(t), false);
    assert.equal(matcher({ key: 'none', cmp: 'eq', val: 'x' })(t), false);
    assert.equal(matcher({ key: 'kind', cmp: 'neq', val: 'beta' })(t), true);
    assert.equal(matcher({ key: 'kind', cmp: 'neq', val: 'alpha' })(t), false);
    assert.equal(matcher({ key: 'none', cmp: 'neq', val: 'x' })(t), true);
    assert.equal(matcher({ key: 'kind', cmp: 'eq', val: 'alpha' })(undefined), false);
    assert.equal(matcher({ key: 'kind', cmp: 'neq', val: 'alpha' })(undefined), true);
  });

  it('in and nin: a missing tag is compared as "" (Go zero value)', () => {
    assert.equal(matcher({ key: 'kind', cmp: 'in', vals: ['beta', 'alpha'] })(t), true);
    assert.equal(matcher({ key: 'kind', cmp: 'in', vals: ['beta'] })(t), false);
    assert.equal(matcher({ key: 'none', cmp: 'in', vals: ['x'] })(t), false);
    assert.equal(matcher({ key: 'none', cmp: 'in', vals: [''] })(t), true);
    assert.equal(matcher({ key: 'none', cmp: 'nin', vals: [''] })(undefined), false);
    assert.equal(matcher({ key: 'kind', cmp: 'nin', vals: ['beta'] })(t), true);
    const many = Array.from({ length: 20 }, (_, i) => `v${i}`);
    assert.equal(matcher({ key: 'kind', cmp: 'in', vals: [...many, 'alpha'] })(t), true);
    assert.equal(matcher({ key: 'kind', cmp: 'nin', vals: many })(t), true);
  });

  it('ex and nex: presence of the key, even with an empty value or an empty key', () => {
    assert.equal(matcher({ key: 'empty', cmp: 'ex' })(t), true);
    assert.equal(matcher({ key: 'none', cmp: 'ex' })(t), false);
    assert.equal(matcher({ key: 'none', cmp: 'nex' })(t), true);
    assert.equal(matcher({ cmp: 'ex' })({ '': 'x' }), true);
    assert.equal(matcher({ cmp: 'nex' })(t), true);
  });

  it('sw, ew and ct need the tag', () => {
    assert.equal(matcher({ key: 'kind', cmp: 'sw', val: 'al' })(t), true);
    assert.equal(matcher({ key: 'kind', cmp: 'sw', val: 'ph' })(t), false);
    assert.equal(matcher({ key: 'kind', cmp: 'ew', val: 'ha' })(t), true);
    assert.equal(matcher({ key: 'kind', cmp: 'ct', val: 'lph' })(t), true);
    assert.equal(matcher({ key: 'kind', cmp: 'ct', val: 'Lph' })(t), false);
    assert.equal(matcher({ key: 'none', cmp: 'ct', val: 'a' })(t), false);
    assert.equal(matcher({ key: 'k', cmp: 'sw', val: '日' })({ k: '日本' }), true);
  });

  it('gt, gte, lt and lte compare exact decimals, false when either side is not one', () => {
    assert.equal(matcher({ key: 'n', cmp: 'gt', val: '9.99' })(t), true);
    assert.equal(matcher({ key: 'n', cmp: 'gt', val: '10.0' })(t), false);
    assert.equal(matcher({ key: 'n', cmp: 'gte', val: '10.000' })(t), true);
    assert.equal(matcher({ key: 'n', cmp: 'lt', val: '100' })(t), true);
    assert.equal(matcher({ key: 'n', cmp: 'lte', val: '9' })(t), false);
    assert.equal(matcher({ key: 'kind', cmp: 'gt', val: '0' })(t), false);
    assert.equal(matcher({ key: 'none', cmp: 'lt', val: '0' })(t), false);
    assert.equal(matcher({ key: 'n', cmp: 'gt', val: '1e1' })(t), false);
    assert.equal(matcher({ key: 'n', cmp: 'lte', val: 'ten' })(t), false);
    // Beyond double precision, still exact.
    const big = { n: '12345678901234567890123456789.0000000000000000001' };
    assert.equal(matcher({ key: 'n', cmp: 'gt', val: '12345678901234567890123456789' })(big), true);
  });

  it('and, or and not combine their children', () => {
    const a = { key: 'kind', cmp: 'eq', val: 'alpha' };
    const b = { key: 'n', cmp: 'gt', val: '20' };
    assert.equal(matcher({ op: 'and', nodes: [a, b] })(t), false);
    assert.equal(matcher({ op: 'and', nodes: [a] })(t), true);
    assert.equal(matcher({ op: 'or', nodes: [b, a] })(t), true);
    assert.equal(matcher({ op: 'or', nodes: [b] })(t), false);
    assert.equal(matcher({ op: 'not', nodes: [b] })(t), true);
    assert.equal(matcher({ op: 'not', nodes: [{ op: 'or', nodes: [a, b] }] })(t), false);
  });

  it('never sees inherited properties as tags', () => {
    assert.equal(matcher({ key: 'toString', cmp: 'ex' })({}), false);
    assert.equal(matcher({ key: 'constructor', cmp: 'neq', val: 'x' })({}), true);
    assert.equal(matcher({ key: '__proto__', cmp: 'eq', val: 'x' })(JSON.parse('{"__proto__":"x"}')), true);
  });
});

describe('tags filter validation (filter.Validate)', () => {
  const refused: [string, unknown][] = [
    ['unknown op', { op: 'xor' }],
    ['op in capitals', { op: 'AND', nodes: [{ key: 'a', cmp: 'ex' }] }],
    ['leaf without cmp', {}],
    ['unknown cmp', { key: 'a', cmp: 'between', val: '1' }],
    ['eq without val', { key: 'a', cmp: 'eq' }],
    ['eq with vals', { key: 'a', cmp: 'eq', val: 'x', vals: ['y'] }],
    ['in without vals', { key: 'a', cmp: 'in', vals: [] }],
    ['in with val', { key: 'a', cmp: 'in', val: 'x', vals: ['x'] }],
    ['ex with val', { key: 'a', cmp: 'ex', val: 'x' }],
    ['nex with vals', { key: 'a', cmp: 'nex', vals: ['x'] }],
    ['leaf without key', { cmp: 'eq', val: 'x' }],
    ['and without children', { op: 'and', nodes: [] }],
    ['or without nodes', { op: 'or' }],
    ['not with two children', { op: 'not', nodes: [{ cmp: 'ex' }, { cmp: 'ex' }] }],
    ['invalid child', { op: 'and', nodes: [{ cmp: 'ex' }, { key: 'a', cmp: 'gt' }] }],
    ['null child (a nil node, which Centrifugo cannot take)', { op: 'or', nodes: [null] }],
    ['lone surrogate', { key: 'a', cmp: 'eq', val: '\ud800' }],
  ];
  for (const [what, tf] of refused) {
    it(`refuses ${what} (107)`, () => assert.equal(problem(tf), 'invalid'));
  }

  it('ignores fields a node does not use, and unknown fields', () => {
    assert.equal(problem({ key: 'a', cmp: 'ex', nodes: [{ op: 'xor' }] }), undefined);
    assert.equal(
      problem({ op: 'not', key: 'x', val: 'y', nodes: [{ key: 'a', cmp: 'ex' }], extra: 1 }),
      undefined,
    );
    assert.equal(problem({ key: 'a', cmp: 'eq', val: 'x', vals: null, nodes: null, op: null }), undefined);
  });

  it('takes no tf for null, as Centrifugo decodes it', () => {
    assert.equal(parseTagsFilter(null), undefined);
    assert.equal(parseTagsFilter(undefined), undefined);
  });

  it('fails to decode JSON of the wrong type (3501), wherever it is', () => {
    for (const tf of [
      'kind',
      [],
      7,
      { key: 'a', cmp: 'eq', val: 1 },
      { key: 'a', cmp: 'in', vals: 'x' },
      { key: 'a', cmp: 'in', vals: [1] },
      { op: 'and', nodes: {} },
      { op: 'and', nodes: ['x'] },
      // A type error deeper down wins over an invalid node or a lone surrogate before it.
      {
        op: 'xor',
        nodes: [
          { key: '\ud800', cmp: 'ex' },
          { key: 'a', cmp: true },
        ],
      },
    ]) {
      assert.equal(problem(tf), 'decode', JSON.stringify(tf));
    }
  });

  it('refuses trees nested deeper than the limit', () => {
    let tf: Record<string, unknown> = { key: 'a', cmp: 'ex' };
    for (let i = 1; i < MAX_FILTER_DEPTH; i++) tf = { op: 'not', nodes: [tf] };
    assert.equal(problem(tf), undefined);
    assert.equal(problem({ op: 'not', nodes: [tf] }), 'invalid');
  });
});

describe('tags filter decimals', () => {
  it('reads the grammar udecimal.Parse accepts', () => {
    for (const s of ['0', '-0', '+7', '007.50', '1.0000000000000000001', '-+' + '9'.repeat(40)]) {
      assert.ok(parseDecimal(s) !== null, s);
    }
    for (const s of [
      '',
      '.5',
      '5.',
      '1e3',
      ' 1',
      '+-1',
      '-+1',
      '0x1',
      '1.00000000000000000001',
      '9'.repeat(201),
    ]) {
      assert.equal(parseDecimal(s), null, s);
    }
  });

  it('orders exactly, with a single zero', () => {
    const cmp = (a: string, b: string) => compareDecimals(parseDecimal(a)!, parseDecimal(b)!);
    assert.equal(cmp('-0', '0'), 0);
    assert.equal(cmp('0.10', '0.1'), 0);
    assert.equal(cmp('0.45', '0.5'), -1);
    assert.equal(cmp('-0.45', '-0.5'), 1);
    assert.equal(cmp('100', '99.999'), 1);
    assert.equal(cmp('-1', '0'), -1);
    assert.equal(cmp('9'.repeat(45), '1' + '0'.repeat(45)), -1);
  });
});
