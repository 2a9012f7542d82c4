/**
 * Tags filters (`tf` on subscribe) beyond the three basic cases in subscribe.ts: every operator on
 * one set of publications, the order of the checks, decode failures, recovery and positions.
 * Namespace `tagged` has `allow_tags_filter`; `open` does not.
 *
 * No case sends a `null` node (`"nodes":[null]`): Centrifugo v6.9.1 decodes it as a nil node that
 * filter.Validate dereferences, and the panic ends the whole Centrifugo process, every later case with it.
 */
import type { DiffCase, Script } from '../script.js';

/** Tags of the publications every operator case sees, one publication each (data `{n}`). */
const TAG_SETS: (Record<string, string> | undefined)[] = [
  { kind: 'a', n: '5' },
  { kind: 'b', n: '10' },
  { kind: 'abc', n: '-0' },
  { n: '0.10' },
  undefined,
  { kind: '', n: '1e3' },
  { kind: 'xab', n: '100000000000000000000000000000000000000001' },
  { kind: 'A', price: '9.5', '': 'empty key' },
];

/** One filter per connection, by label: each records which publications it gets. */
const FILTERS: Record<string, unknown> = {
  eq: { key: 'kind', cmp: 'eq', val: 'a' },
  neq: { key: 'kind', cmp: 'neq', val: 'a' },
  in: { key: 'kind', cmp: 'in', vals: ['a', 'b'] },
  'in-missing': { key: 'kind', cmp: 'in', vals: [''] },
  nin: { key: 'kind', cmp: 'nin', vals: ['a', ''] },
  ex: { key: 'kind', cmp: 'ex' },
  nex: { key: 'kind', cmp: 'nex' },
  'ex-empty-key': { cmp: 'ex' },
  sw: { key: 'kind', cmp: 'sw', val: 'a' },
  ew: { key: 'kind', cmp: 'ew', val: 'bc' },
  ct: { key: 'kind', cmp: 'ct', val: 'b' },
  gt: { key: 'n', cmp: 'gt', val: '5' },
  gte: { key: 'n', cmp: 'gte', val: '0.1' },
  lt: { key: 'n', cmp: 'lt', val: '0' },
  lte: { key: 'n', cmp: 'lte', val: '-0' },
  'gt-not-a-number': { key: 'n', cmp: 'gt', val: 'x' },
  'gt-huge': { key: 'n', cmp: 'gt', val: '99999999999999999999999999999999999999999' },
  and: {
    op: 'and',
    nodes: [
      { key: 'kind', cmp: 'ex' },
      { key: 'n', cmp: 'gt', val: '1' },
    ],
  },
  or: {
    op: 'or',
    nodes: [
      { key: 'kind', cmp: 'eq', val: 'A' },
      { key: 'price', cmp: 'lt', val: '10' },
    ],
  },
  not: { op: 'not', nodes: [{ key: 'kind', cmp: 'ex' }] },
  nested: {
    op: 'not',
    nodes: [
      {
        op: 'and',
        nodes: [
          { key: 'kind', cmp: 'sw', val: 'a' },
          { key: 'n', cmp: 'nin', vals: ['5'] },
        ],
      },
    ],
  },
};

async function publishAll(s: Script, channel: string): Promise<void> {
  for (const [i, tags] of TAG_SETS.entries()) {
    await s.api('publish', { channel, data: { n: i + 1 }, ...(tags ? { tags } : {}) });
  }
}

/** Tags filter cases. */
export const tagsFilterCases: DiffCase[] = [
  {
    name: 'tags-filter/operators',
    async run(s) {
      const channel = s.channel('tagged');
      const clients = [];
      for (const [label, tf] of Object.entries(FILTERS)) {
        const c = await s.connected(label, 'alice');
        await c.cmd('subscribe', { channel, tf });
        clients.push(c);
      }
      await publishAll(s, channel);
      await clients[0]!.quiet(500);
      for (const c of clients.slice(1)) await c.quiet(20);
    },
  },
  {
    name: 'tags-filter/invalid-trees',
    async run(s) {
      const c = await s.connected('alice');
      const channel = s.channel('tagged');
      for (const tf of [
        {},
        { op: 'AND', nodes: [{ key: 'kind', cmp: 'ex' }] },
        { key: 'kind', cmp: 'between', val: '1' },
        { key: 'kind', cmp: 'eq' },
        { key: 'kind', cmp: 'eq', val: 'a', vals: ['b'] },
        { key: 'kind', cmp: 'in', vals: [] },
        { key: 'kind', cmp: 'in', val: 'a', vals: ['a'] },
        { key: 'kind', cmp: 'ex', val: 'a' },
        { cmp: 'eq', val: 'a' },
        { op: 'and', nodes: [] },
        { op: 'not', nodes: [{ cmp: 'ex' }, { cmp: 'ex' }] },
        { op: 'or', nodes: [{ cmp: 'ex' }, { key: 'n', cmp: 'gt' }] },
      ]) {
        await c.cmd('subscribe', { channel, tf });
      }
      // Fields a node does not use are ignored, unknown ones too; the connection still subscribes.
      await c.cmd('subscribe', {
        channel,
        tf: { key: 'kind', cmp: 'ex', nodes: [{ op: 'xor' }], extra: 1 },
      });
      await c.quiet();
    },
  },
  {
    name: 'tags-filter/check-order',
    async run(s) {
      const c = await s.connected('alice');
      const tf = { op: 'xor' };
      await c.cmd('subscribe', { channel: s.channel('nope'), tf });
      await c.cmd('subscribe', { channel: s.channel('locked'), tf });
      await c.cmd('subscribe', { channel: s.channel('open'), tf });
      await c.cmd('subscribe', { channel: s.channel('tagged'), tf: null });
      await c.cmd('subscribe', { channel: s.channel('tagged'), tf });
      await c.quiet();
    },
  },
  ...Object.entries({
    'val-number': { key: 'kind', cmp: 'eq', val: 1 },
    'not-object': 'kind',
    'vals-number': { key: 'kind', cmp: 'in', vals: [1] },
    'nodes-object': { op: 'and', nodes: {} },
  }).map(
    ([what, tf]): DiffCase => ({
      name: `tags-filter/decode-${what}`,
      async run(s) {
        const c = await s.connected('alice');
        await c.cmd('subscribe', { channel: s.channel('tagged'), tf });
        await c.closed();
      },
    }),
  ),
  {
    name: 'tags-filter/null-values',
    async run(s) {
      const c = await s.connected('alice');
      const channel = s.channel('tagged');
      // A null entry of vals is "" (Go's zero value), so a missing tag matches.
      await c.cmd('subscribe', { channel, tf: { key: 'kind', cmp: 'in', vals: [null] } });
      await s.api('publish', { channel, data: { n: 1 }, tags: { kind: 'a' } });
      await s.api('publish', { channel, data: { n: 2 } });
      await c.quiet(300);
    },
  },
  {
    name: 'tags-filter/lone-surrogate',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', {
        channel: s.channel('tagged'),
        tf: { key: 'kind', cmp: 'eq', val: '\ud800' },
      });
      await c.quiet();
    },
  },
  {
    name: 'tags-filter/field-name-case',
    async run(s) {
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel: s.channel('tagged'), TF: { op: 'xor' } });
      await c.quiet();
    },
  },
  {
    name: 'tags-filter/recover',
    async run(s) {
      const channel = s.channel('tagged');
      const tf = { key: 'kind', cmp: 'eq', val: 'a' };
      const first = await s.connected('first', 'alice');
      const reply = await first.cmd('subscribe', { channel, tf, recoverable: true });
      const epoch = (reply['subscribe'] as { epoch?: string } | undefined)?.epoch ?? '';
      await first.close();
      for (const [n, kind] of [
        [1, 'a'],
        [2, 'b'],
        [3, 'a'],
        [4, 'b'],
      ] as const) {
        await s.api('publish', { channel, data: { n }, tags: { kind } });
      }
      const again = await s.connected('again', 'alice');
      await again.cmd('subscribe', { channel, tf, recoverable: true, recover: true, epoch, offset: 0 });
      await s.api('publish', { channel, data: { n: 5 }, tags: { kind: 'b' } });
      await s.api('publish', { channel, data: { n: 6 }, tags: { kind: 'a' } });
      await again.quiet(300);
    },
  },
  {
    name: 'tags-filter/recoverable-live',
    async run(s) {
      const channel = s.channel('tagged');
      const c = await s.connected('alice');
      await c.cmd('subscribe', { channel, tf: { key: 'kind', cmp: 'eq', val: 'a' }, recoverable: true });
      for (const [n, kind] of [
        [1, 'b'],
        [2, 'b'],
        [3, 'a'],
        [4, 'b'],
        [5, 'a'],
      ] as const) {
        await s.api('publish', { channel, data: { n }, tags: { kind } });
      }
      await c.quiet(300);
    },
  },
];
