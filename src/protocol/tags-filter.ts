/**
 * The tags filter of a subscribe request (`tf`): Centrifugo's `FilterNode` tree, decoded from the
 * command's JSON and checked with the rules of centrifuge's `filter.Validate`. Pure functions, no
 * I/O: the gateway compiles a valid tree into a matcher (`gateway/tags-filter.ts`).
 *
 * Two stages, as in Centrifugo, because they fail differently there: a `tf` whose JSON types do not
 * fit the protobuf message (a number for `val`, a string for `nodes`) does not decode, so the whole
 * command is a bad request and the connection is closed (3501); a tree that decodes but breaks a
 * rule (an unknown operator, `in` without values) is refused with error 107 on subscribe.
 */
import { isWellFormed } from './unicode.js';

/** Node operations: `""` is a leaf (a comparison), the others combine their `nodes`. */
export const FILTER_OPS = ['', 'and', 'or', 'not'] as const;

/** Leaf comparisons, by Centrifugo's names. */
export const FILTER_COMPARISONS = [
  'eq',
  'neq',
  'in',
  'nin',
  'ex',
  'nex',
  'sw',
  'ew',
  'ct',
  'gt',
  'gte',
  'lt',
  'lte',
] as const;

export type FilterOp = (typeof FILTER_OPS)[number];
export type FilterComparison = (typeof FILTER_COMPARISONS)[number];

/**
 * One node as decoded: every field present, absent and `null` ones at their zero value, like the
 * Go message. A `null` entry of `nodes` stays `null` (Go's nil child) and fails validation.
 */
export interface FilterNode {
  op: string;
  key: string;
  cmp: string;
  val: string;
  vals: string[];
  nodes: (FilterNode | null)[];
}

/**
 * Deepest nesting accepted. Centrifugo walks the tree recursively on Go's growable stacks; a JS
 * stack is fixed, so a tree nested deeper than any real filter is refused (107) instead.
 */
export const MAX_FILTER_DEPTH = 100;

/** Why a `tf` could not be used: `decode` closes the connection (3501), `invalid` answers 107. */
export type FilterProblem = { kind: 'decode' | 'invalid'; reason: string };

/** A decoded tree, or the problem that stops it. */
export type FilterParse = { ok: true; node: FilterNode } | { ok: false; problem: FilterProblem };

const STRING_FIELDS = ['op', 'key', 'cmp', 'val'] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What decoding met besides a type error: the first problem that is not one (107). */
interface DecodeState {
  invalid: string | null;
}

/** A string field: absent or `null` is `""`; another type does not decode (null returned). */
function stringField(value: unknown, path: string, state: DecodeState): string | null {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') return null;
  if (state.invalid === null && !isWellFormed(value)) {
    state.invalid = `"${path}" must be well-formed Unicode (no lone surrogate)`;
  }
  return value;
}

/** The node, or the reason it does not decode. */
function decodeNode(
  value: Record<string, unknown>,
  path: string,
  depth: number,
  state: DecodeState,
): FilterNode | string {
  const node: FilterNode = { op: '', key: '', cmp: '', val: '', vals: [], nodes: [] };
  for (const field of STRING_FIELDS) {
    const read = stringField(value[field], `${path}.${field}`, state);
    if (read === null) return `"${path}.${field}" must be a string`;
    node[field] = read;
  }
  const vals = value.vals;
  if (vals !== undefined && vals !== null) {
    if (!Array.isArray(vals)) return `"${path}.vals" must be an array of strings`;
    for (let i = 0; i < vals.length; i++) {
      const read = stringField(vals[i], `${path}.vals[${i}]`, state);
      if (read === null) return `"${path}.vals[${i}]" must be a string`;
      node.vals.push(read);
    }
  }
  const nodes = value.nodes;
  if (nodes === undefined || nodes === null) return node;
  if (!Array.isArray(nodes)) return `"${path}.nodes" must be an array of filter nodes`;
  if (depth === MAX_FILTER_DEPTH && nodes.length > 0) {
    // Deeper levels are neither decoded nor checked: the tree is refused whatever they hold.
    state.invalid ??= `"tf" nests deeper than ${MAX_FILTER_DEPTH} levels`;
    return node;
  }
  for (let i = 0; i < nodes.length; i++) {
    const child: unknown = nodes[i];
    if (child === null) {
      node.nodes.push(null);
      continue;
    }
    if (!isObject(child)) return `"${path}.nodes[${i}]" must be a filter node (an object)`;
    const read = decodeNode(child, `${path}.nodes[${i}]`, depth + 1, state);
    if (typeof read === 'string') return read;
    node.nodes.push(read);
  }
  return node;
}

/**
 * Decodes and validates a subscribe request's `tf`. `undefined` when there is none (absent or
 * `null`, which Centrifugo's decoder treats alike). A type error anywhere in the tree wins over
 * every other problem, since in Centrifugo the command would not decode at all.
 */
export function parseTagsFilter(value: unknown): FilterParse | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) return fail('decode', '"tf" must be a filter node (an object)');
  const state: DecodeState = { invalid: null };
  const node = decodeNode(value, 'tf', 1, state);
  if (typeof node === 'string') return fail('decode', node);
  const reason = state.invalid ?? validateFilter(node);
  return reason === null ? { ok: true, node } : fail('invalid', reason);
}

function fail(kind: FilterProblem['kind'], reason: string): FilterParse {
  return { ok: false, problem: { kind, reason } };
}

const COMPARISONS: ReadonlySet<string> = new Set(FILTER_COMPARISONS);
/** Comparisons of one `val` (and no `vals`). */
const SINGLE_VALUE: ReadonlySet<string> = new Set(['eq', 'neq', 'sw', 'ew', 'ct', 'gt', 'gte', 'lt', 'lte']);

/**
 * The rules of centrifuge's `filter.Validate`, in its order; the reason of the first one broken, or
 * null. Fields a node's kind does not use (`nodes` of a leaf, `key` of `and`) are ignored, as there.
 */
export function validateFilter(node: FilterNode | null): string | null {
  // Centrifugo dereferences a nil child here (a panic); it can only be refused.
  if (node === null) return 'a filter node must not be null';
  switch (node.op) {
    case '':
      return validateLeaf(node);
    case 'and':
    case 'or':
      if (node.nodes.length === 0) return `${node.op} node must have at least one child`;
      for (const child of node.nodes) {
        const reason = validateFilter(child);
        if (reason !== null) return reason;
      }
      return null;
    case 'not':
      if (node.nodes.length !== 1) return 'not node must have exactly one child';
      return validateFilter(node.nodes[0]!);
    default:
      return `invalid op: ${node.op}`;
  }
}

function validateLeaf(node: FilterNode): string | null {
  const { cmp } = node;
  if (cmp === '') return 'leaf node must have cmp set';
  if (!COMPARISONS.has(cmp)) return `unknown comparison operator: ${cmp}`;
  if (SINGLE_VALUE.has(cmp)) {
    if (node.val === '') return `${cmp} comparison requires val`;
    if (node.vals.length > 0) return `${cmp} comparison must not use vals`;
  } else if (cmp === 'in' || cmp === 'nin') {
    if (node.vals.length === 0) return `${cmp} comparison requires non-empty vals`;
    if (node.val !== '') return `${cmp} comparison must not use val`;
  } else if (node.val !== '' || node.vals.length > 0) {
    return `${cmp} comparison must not use val or vals`;
  }
  if (node.key === '' && cmp !== 'ex' && cmp !== 'nex') return 'leaf node requires key';
  return null;
}
