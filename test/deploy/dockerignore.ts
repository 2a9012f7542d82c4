/**
 * Which paths of the repository reach the Docker build context under the shipped `.dockerignore`,
 * by Docker's rules: patterns in order, the last one matching a path or one of its parent folders
 * decides, `!` re-includes, `*` stays within a path segment and `**` spans any number of them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './manifests.js';

interface Rule {
  exclude: boolean;
  pattern: RegExp;
}

function toRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** The rules of a `.dockerignore` text. */
export function dockerignoreRules(text: string): Rule[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exclude = !line.startsWith('!');
      const glob = (exclude ? line : line.slice(1)).replace(/^\/+/, '').replace(/\/+$/, '');
      return { exclude, pattern: toRegExp(glob) };
    });
}

/** Whether `path` (relative to the context, `/`-separated) is in the build context. */
export function inContext(path: string, rules: Rule[]): boolean {
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const rule of rules) {
    if (candidates.some((c) => rule.pattern.test(c))) excluded = rule.exclude;
  }
  return !excluded;
}

/** The shipped `.dockerignore`'s rules. */
export function shippedDockerignore(): Rule[] {
  return dockerignoreRules(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
}
