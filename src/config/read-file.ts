/** Reads a config file (JSON or YAML, chosen by extension) into a plain object, not yet validated. */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from './errors.js';
import { describeValue } from './fields.js';

/** File extensions a config file may have. */
export const CONFIG_FILE_EXTENSIONS = ['.json', '.yaml', '.yml'] as const;

/**
 * Reads and parses `file`. An empty YAML file is an empty config.
 *
 * @throws {ConfigError} keyed by the file path when the extension is unknown, the file cannot be read,
 *   it does not parse (the message gives line and column where known) or its top level is not a mapping.
 */
export async function readConfigFile(file: string): Promise<Record<string, unknown>> {
  const extension = extname(file).toLowerCase();
  if (!(CONFIG_FILE_EXTENSIONS as readonly string[]).includes(extension)) {
    const got = extension === '' ? 'no extension' : `"${extension}"`;
    throw ConfigError.forFile(file, `expected a file ending in .json, .yaml or .yml, got ${got}`);
  }
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw ConfigError.forFile(file, `cannot read it (${reason}); expected a readable config file`, error);
  }
  const value = extension === '.json' ? parseJson(file, content) : parseYaml(file, content);
  if (value === null || value === undefined) return {};
  if (!isPlainObject(value)) {
    throw ConfigError.forFile(
      file,
      `expected a mapping of config sections at the top level, got ${describeValue(value)}`,
    );
  }
  return value;
}

function parseJson(file: string, content: string): unknown {
  // A byte order mark is legal at the start of a file but not in JSON text.
  const json = content.startsWith('\uFEFF') ? content.slice(1) : content;
  try {
    return JSON.parse(json);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // V8 reports an offset for most, not all, syntax errors.
    const offset = /at position (\d+)/.exec(reason)?.[1];
    const where = offset === undefined ? '' : ` at ${position(json, Number(offset))}`;
    throw ConfigError.forFile(file, `invalid JSON${where}: ${reason}`, error);
  }
}

function parseYaml(file: string, content: string): unknown {
  const document = parseDocument(content, { prettyErrors: false, uniqueKeys: true });
  const [first] = document.errors;
  if (first !== undefined) {
    throw ConfigError.forFile(
      file,
      `invalid YAML at ${position(content, first.pos[0])}: ${first.message}`,
      first,
    );
  }
  try {
    return document.toJS();
  } catch (error) {
    // For example an alias bomb exceeding the alias limit.
    const reason = error instanceof Error ? error.message : String(error);
    throw ConfigError.forFile(file, `invalid YAML: ${reason}`, error);
  }
}

/** `line L, column C` (both from 1) of a character offset. */
function position(content: string, offset: number): string {
  const before = content.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
