/**
 * Evaluation of a subscription's tags filter against a publication's tags, with the semantics of
 * centrifuge's `filter.Match`. A validated tree (`protocol/tags-filter.ts`) is compiled once, at
 * subscribe, into nested closures: the hub then pays one call per filtered subscriber and
 * publication, with every constant (value sets, parsed numbers) prepared in advance.
 */
import type { FilterNode } from '../protocol/tags-filter.js';
import { compareDecimals, type Decimal, parseDecimal } from './tags-filter-decimal.js';

/** Publication tags as the hub sees them (absent when the publication has none). */
export type Tags = Readonly<Record<string, string>> | undefined;

/** Whether a publication with these tags reaches the subscriber. */
export type TagsMatcher = (tags: Tags) => boolean;

/** Sets beat a scan only past a handful of values. */
const SCAN_MAX = 8;

/**
 * The tag's value, or undefined when the publication has no such tag. Tags are strings, so a
 * string is an own tag; anything else is inherited from `Object.prototype` (`toString`, ...).
 */
function tagOf(tags: Tags, key: string): string | undefined {
  if (tags === undefined) return undefined;
  const value = tags[key];
  return typeof value === 'string' ? value : undefined;
}

/** Compiles a tree that passed `validateFilter`; throws on one that did not. */
export function compileTagsFilter(node: FilterNode): TagsMatcher {
  switch (node.op) {
    case '':
      return compileLeaf(node);
    case 'and': {
      const children = node.nodes.map(compileChild);
      if (children.length === 1) return children[0]!;
      return (tags) => {
        for (let i = 0; i < children.length; i++) if (!children[i]!(tags)) return false;
        return true;
      };
    }
    case 'or': {
      const children = node.nodes.map(compileChild);
      if (children.length === 1) return children[0]!;
      return (tags) => {
        for (let i = 0; i < children.length; i++) if (children[i]!(tags)) return true;
        return false;
      };
    }
    case 'not': {
      const child = compileChild(node.nodes[0] ?? null);
      return (tags) => !child(tags);
    }
    default:
      throw new Error(`invalid filter op: ${node.op}`);
  }
}

function compileChild(node: FilterNode | null): TagsMatcher {
  if (node === null) throw new Error('null filter node');
  return compileTagsFilter(node);
}

function compileLeaf(node: FilterNode): TagsMatcher {
  const { key, val } = node;
  switch (node.cmp) {
    case 'eq':
      return (tags) => tagOf(tags, key) === val;
    case 'neq':
      return (tags) => tagOf(tags, key) !== val;
    case 'in': {
      // A missing tag is compared as "" (Go's zero value), so `vals: [""]` matches it.
      const has = membership(node.vals);
      return (tags) => has(tagOf(tags, key) ?? '');
    }
    case 'nin': {
      const has = membership(node.vals);
      return (tags) => !has(tagOf(tags, key) ?? '');
    }
    case 'ex':
      return (tags) => tagOf(tags, key) !== undefined;
    case 'nex':
      return (tags) => tagOf(tags, key) === undefined;
    case 'sw':
      return (tags) => tagOf(tags, key)?.startsWith(val) === true;
    case 'ew':
      return (tags) => tagOf(tags, key)?.endsWith(val) === true;
    case 'ct':
      return (tags) => tagOf(tags, key)?.includes(val) === true;
    case 'gt':
      return numeric(key, val, (c) => c > 0);
    case 'gte':
      return numeric(key, val, (c) => c >= 0);
    case 'lt':
      return numeric(key, val, (c) => c < 0);
    case 'lte':
      return numeric(key, val, (c) => c <= 0);
    default:
      throw new Error(`invalid filter cmp: ${node.cmp}`);
  }
}

function membership(vals: readonly string[]): (value: string) => boolean {
  if (vals.length <= SCAN_MAX) return (value) => vals.includes(value);
  const set = new Set(vals);
  return (value) => set.has(value);
}

/** A numeric comparison: false when the tag is missing or either side is not a decimal. */
function numeric(key: string, val: string, holds: (comparison: number) => boolean): TagsMatcher {
  const bound: Decimal | null = parseDecimal(val);
  if (bound === null) return () => false;
  return (tags) => {
    const value = tagOf(tags, key);
    if (value === undefined) return false;
    const parsed = parseDecimal(value);
    return parsed !== null && holds(compareDecimals(parsed, bound));
  };
}
