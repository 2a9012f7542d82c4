/**
 * The shipped `Dockerfile`, read into its stages and instructions (continuation lines joined,
 * comments and parser directives left out), for the checks of test/deploy.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './manifests.js';

export const DOCKERFILE = join(ROOT, 'Dockerfile');

export interface Instruction {
  /** Upper-case: FROM, COPY, RUN, … */
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string;
  /** 1-based line the instruction starts on. */
  line: number;
}

export interface Stage {
  /** The name after `AS`, or the stage's index. */
  name: string;
  /** The base image as written (build arguments not expanded). */
  from: string;
  instructions: Instruction[];
}

/** The instructions of a Dockerfile's text, in order. */
export function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!.trim();
    if (first === '' || first.startsWith('#')) continue;
    const start = i;
    let joined = first;
    while (joined.endsWith('\\') && i + 1 < lines.length) {
      joined = joined.slice(0, -1).trimEnd();
      const next = lines[++i]!.trim();
      if (next !== '' && !next.startsWith('#')) joined += ` ${next}`;
    }
    const match = /^(\S+)\s*(.*)$/.exec(joined)!;
    out.push({ keyword: match[1]!.toUpperCase(), args: match[2]!, line: start + 1 });
  }
  return out;
}

/** The stages of a Dockerfile's text (the ARGs before the first FROM are not part of one). */
export function stages(text: string): Stage[] {
  const out: Stage[] = [];
  for (const instruction of instructions(text)) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (match === null) throw new Error(`Dockerfile line ${instruction.line}: cannot read FROM`);
      out.push({ name: match[2] ?? String(out.length), from: match[1]!, instructions: [] });
    } else {
      out.at(-1)?.instructions.push(instruction);
    }
  }
  return out;
}

/** The shipped Dockerfile's text. */
export function readDockerfile(): string {
  return readFileSync(DOCKERFILE, 'utf8');
}

export interface Copy {
  /** The stage it copies from (`--from=`), or undefined for the build context. */
  from?: string;
  sources: string[];
  destination: string;
  line: number;
}

/** A COPY's flags, sources and destination (JSON array form or plain words). */
export function readCopy(instruction: Instruction): Copy {
  let words: string[];
  const rest = instruction.args.replace(/^((?:--\S+\s+)*)/, '');
  const flags = instruction.args
    .slice(0, instruction.args.length - rest.length)
    .trim()
    .split(/\s+/);
  if (rest.startsWith('[')) words = JSON.parse(rest) as string[];
  else words = rest.split(/\s+/);
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  const destination = words.pop();
  if (destination === undefined || words.length === 0) {
    throw new Error(`Dockerfile line ${instruction.line}: COPY needs a source and a destination`);
  }
  return { ...(from === undefined ? {} : { from }), sources: words, destination, line: instruction.line };
}

/** The JSON array of an exec-form instruction (CMD, ENTRYPOINT, HEALTHCHECK … CMD); throws otherwise. */
export function execForm(args: string, what: string): string[] {
  const start = args.indexOf('[');
  if (start < 0) throw new Error(`${what} is not in exec form (a JSON array): ${args}`);
  const value = JSON.parse(args.slice(start)) as unknown;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new Error(`${what} is not a JSON array of strings: ${args}`);
  }
  return value as string[];
}
