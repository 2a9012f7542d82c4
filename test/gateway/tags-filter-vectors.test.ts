/**
 * The tags filter against vectors written by Centrifugo's own code: test/fixtures/tags-filter/generate
 * runs centrifuge's filter.Match and filter.Validate and udecimal's Parse and Cmp, and records what
 * they answer (`go run . > ../vectors.json` there). Every answer must be the same here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { compileTagsFilter } from '../../src/gateway/tags-filter.js';
import { compareDecimals, parseDecimal } from '../../src/gateway/tags-filter-decimal.js';
import { parseTagsFilter } from '../../src/protocol/tags-filter.js';

interface Vectors {
  numbers: { s: string; ok: boolean }[];
  order: string[];
  tags: (Record<string, string> | null)[];
  filters: { filter: unknown; valid: boolean; matches?: string }[];
}

const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/tags-filter/vectors.json', import.meta.url), 'utf8'),
) as Vectors;

describe('tags filter against Centrifugo vectors', () => {
  it('parses the numbers udecimal parses, and no others', () => {
    for (const { s, ok } of vectors.numbers) assert.equal(parseDecimal(s) !== null, ok, JSON.stringify(s));
  });

  it('orders numbers as udecimal Cmp does', () => {
    const values = vectors.numbers.filter((n) => n.ok).map((n) => n.s);
    assert.equal(vectors.order.length, values.length);
    values.forEach((a, i) => {
      values.forEach((b, j) => {
        const expected = '<=>'.indexOf(vectors.order[i]![j]!) - 1;
        assert.equal(compareDecimals(parseDecimal(a)!, parseDecimal(b)!), expected, `${a} vs ${b}`);
      });
    });
  });

  it('validates as filter.Validate and matches as filter.Match', () => {
    const tags = vectors.tags.map((t) => t ?? undefined);
    let matched = 0;
    for (const { filter, valid, matches } of vectors.filters) {
      const parsed = parseTagsFilter(filter);
      assert.ok(parsed !== undefined);
      if (!parsed.ok) assert.equal(parsed.problem.kind, 'invalid', JSON.stringify(filter));
      assert.equal(parsed.ok, valid, JSON.stringify(filter));
      if (!parsed.ok) continue;
      const match = compileTagsFilter(parsed.node);
      tags.forEach((t, i) => {
        const expected = matches![i] === '1';
        if (expected) matched++;
        assert.equal(match(t), expected, `${JSON.stringify(filter)} on ${JSON.stringify(t)}`);
      });
    }
    // The vectors are only worth something when both answers are common.
    assert.ok(matched > 500, `only ${matched} matches`);
  });
});
