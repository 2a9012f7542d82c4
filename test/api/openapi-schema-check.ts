/**
 * A JSON Schema 2020-12 checker for the keywords the server API's OpenAPI description uses, so the
 * tests validate real requests and answers against it without a validator dependency:
 *
 * - `validate(schema, value, root)`: the instance errors (empty when `value` is valid). `$ref`s are
 *   local JSON pointers into `root` (the OpenAPI document).
 * - `checkSchema(schema, root)`: the schema's own errors: an unknown keyword, a keyword whose value
 *   has the wrong shape, a `$ref` that resolves to nothing. Any keyword this checker does not
 *   implement is reported, so a document that starts using one fails the tests instead of being
 *   half-checked.
 */

type Json = unknown;
type Schema = boolean | Record<string, Json>;

/** Keywords that only annotate: they never make an instance invalid. */
const ANNOTATIONS = new Set([
  'description',
  'title',
  'format',
  'contentEncoding',
  'default',
  '$comment',
  'deprecated',
]);

const TYPES = new Set(['null', 'boolean', 'object', 'array', 'number', 'integer', 'string']);

const ASSERTIONS = new Set([
  '$ref',
  'type',
  'const',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'anyOf',
  'oneOf',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'pattern',
]);

const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isSchema = (v: Json): v is Schema => typeof v === 'boolean' || isObject(v);
const isCount = (v: Json): boolean => Number.isInteger(v) && (v as number) >= 0;

/** The value a local `$ref` (`#/a/b`) points at in `root`, or undefined. */
export function resolveRef(root: Json, ref: string): Json {
  if (!ref.startsWith('#/')) return undefined;
  let node: Json = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

function typeOf(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function hasType(value: Json, type: string): boolean {
  if (type === 'integer') return typeof value === 'number' && Number.isInteger(value);
  return typeOf(value) === type;
}

/** Deep equality of JSON values, for `const` and `enum`. */
function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]))
    );
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]))
  );
}

/** Characters as JSON Schema counts them: code points. */
const length = (s: string): number => [...s].length;

/** Instance errors of `value` against `schema`, each prefixed with its location (`$.a.b`). */
export function validate(schema: Json, value: Json, root: Json, at = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${at}: no value is allowed here`];
  if (!isObject(schema)) return [`${at}: the schema is not an object`];
  const errors: string[] = [];
  const s = schema;
  if (typeof s['$ref'] === 'string') {
    const target = resolveRef(root, s['$ref']);
    if (target === undefined) errors.push(`${at}: unresolved $ref ${s['$ref']}`);
    else errors.push(...validate(target, value, root, at));
  }
  if (s['type'] !== undefined) {
    const types = Array.isArray(s['type']) ? (s['type'] as string[]) : [s['type'] as string];
    if (!types.some((t) => hasType(value, t))) {
      // The other keywords would only repeat the type mismatch.
      return [...errors, `${at}: expected ${types.join(' or ')}, got ${typeOf(value)}`];
    }
  }
  if ('const' in s && !jsonEqual(s['const'], value))
    errors.push(`${at}: expected ${JSON.stringify(s['const'])}`);
  if (Array.isArray(s['enum']) && !s['enum'].some((e) => jsonEqual(e, value)))
    errors.push(`${at}: expected one of ${JSON.stringify(s['enum'])}`);
  if (Array.isArray(s['anyOf'])) {
    const results = s['anyOf'].map((sub) => validate(sub, value, root, at));
    if (!results.some((r) => r.length === 0))
      errors.push(`${at}: matches none of anyOf (${results.map((r) => r[0]).join('; ')})`);
  }
  if (Array.isArray(s['oneOf'])) {
    const matches = s['oneOf'].filter((sub) => validate(sub, value, root, at).length === 0).length;
    if (matches !== 1) errors.push(`${at}: matches ${matches} of oneOf, expected exactly 1`);
  }
  if (typeof value === 'number') {
    if (typeof s['minimum'] === 'number' && value < s['minimum'])
      errors.push(`${at}: below minimum ${s['minimum']}`);
    if (typeof s['maximum'] === 'number' && value > s['maximum'])
      errors.push(`${at}: above maximum ${s['maximum']}`);
  }
  if (typeof value === 'string') {
    if (typeof s['minLength'] === 'number' && length(value) < s['minLength'])
      errors.push(`${at}: shorter than ${s['minLength']}`);
    if (typeof s['maxLength'] === 'number' && length(value) > s['maxLength'])
      errors.push(`${at}: longer than ${s['maxLength']}`);
    if (typeof s['pattern'] === 'string' && !new RegExp(s['pattern'], 'u').test(value))
      errors.push(`${at}: does not match ${s['pattern']}`);
  }
  if (Array.isArray(value)) {
    if (typeof s['minItems'] === 'number' && value.length < s['minItems'])
      errors.push(`${at}: fewer than ${s['minItems']} items`);
    if (typeof s['maxItems'] === 'number' && value.length > s['maxItems'])
      errors.push(`${at}: more than ${s['maxItems']} items`);
    if (s['items'] !== undefined) {
      for (const [i, v] of value.entries()) errors.push(...validate(s['items'], v, root, `${at}[${i}]`));
    }
  }
  if (isObject(value)) errors.push(...validateObject(s, value, root, at));
  return errors;
}

function validateObject(
  s: Record<string, Json>,
  value: Record<string, Json>,
  root: Json,
  at: string,
): string[] {
  const errors: string[] = [];
  const properties = isObject(s['properties']) ? s['properties'] : {};
  if (Array.isArray(s['required'])) {
    for (const name of s['required'] as string[])
      if (!Object.hasOwn(value, name)) errors.push(`${at}: missing required "${name}"`);
  }
  for (const [key, v] of Object.entries(value)) {
    const where = `${at}.${key}`;
    if (s['propertyNames'] !== undefined)
      errors.push(...validate(s['propertyNames'], key, root, `${where} (name)`));
    if (Object.hasOwn(properties, key)) errors.push(...validate(properties[key], v, root, where));
    else if (s['additionalProperties'] !== undefined)
      errors.push(
        ...validate(s['additionalProperties'], v, root, where).map((e) =>
          s['additionalProperties'] === false ? `${where}: property not allowed` : e,
        ),
      );
  }
  return errors;
}

/** Errors of the schema itself against the subset of the 2020-12 meta-schema this checker knows. */
export function checkSchema(schema: Json, root: Json, at = '#'): string[] {
  if (typeof schema === 'boolean') return [];
  if (!isObject(schema)) return [`${at}: a schema must be an object or a boolean`];
  const errors: string[] = [];
  const sub = (v: Json, where: string): void => {
    errors.push(...checkSchema(v, root, where));
  };
  for (const [key, v] of Object.entries(schema)) {
    const where = `${at}/${key}`;
    if (!ASSERTIONS.has(key) && !ANNOTATIONS.has(key)) {
      errors.push(`${where}: keyword not supported by this checker`);
      continue;
    }
    switch (key) {
      case '$ref':
        if (typeof v !== 'string' || resolveRef(root, v) === undefined)
          errors.push(`${where}: unresolved ${String(v)}`);
        else if (!isSchema(resolveRef(root, v))) errors.push(`${where}: ${v} is not a schema`);
        break;
      case 'type': {
        const types = Array.isArray(v) ? v : [v];
        if (types.length === 0 || !types.every((t) => typeof t === 'string' && TYPES.has(t)))
          errors.push(`${where}: not a type name or a list of them`);
        break;
      }
      case 'enum':
        if (!Array.isArray(v) || v.length === 0) errors.push(`${where}: must be a non-empty array`);
        break;
      case 'properties':
        if (!isObject(v)) errors.push(`${where}: must be an object of schemas`);
        else for (const [name, p] of Object.entries(v)) sub(p, `${where}/${name}`);
        break;
      case 'required':
        if (!Array.isArray(v) || !v.every((n) => typeof n === 'string') || new Set(v).size !== v.length)
          errors.push(`${where}: must be an array of distinct strings`);
        break;
      case 'additionalProperties':
      case 'propertyNames':
      case 'items':
        if (!isSchema(v)) errors.push(`${where}: must be a schema`);
        else sub(v, where);
        break;
      case 'anyOf':
      case 'oneOf':
        if (!Array.isArray(v) || v.length === 0)
          errors.push(`${where}: must be a non-empty array of schemas`);
        else for (const [i, s] of v.entries()) sub(s, `${where}/${i}`);
        break;
      case 'minimum':
      case 'maximum':
        if (typeof v !== 'number') errors.push(`${where}: must be a number`);
        break;
      case 'minLength':
      case 'maxLength':
      case 'minItems':
      case 'maxItems':
        if (!isCount(v)) errors.push(`${where}: must be a non-negative integer`);
        break;
      case 'pattern':
        try {
          new RegExp(v as string, 'u');
          if (typeof v !== 'string') throw new Error();
        } catch {
          errors.push(`${where}: not a regular expression`);
        }
        break;
      case 'description':
      case 'title':
      case 'format':
      case 'contentEncoding':
      case '$comment':
        if (typeof v !== 'string') errors.push(`${where}: must be a string`);
        break;
      case 'deprecated':
        if (typeof v !== 'boolean') errors.push(`${where}: must be a boolean`);
        break;
    }
  }
  return errors;
}
