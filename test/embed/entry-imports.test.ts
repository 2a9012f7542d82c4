/**
 * The main entry `switchboard` loads neither NestJS nor Fastify (optional peers of the embedding
 * entries): no module reachable from `src/index.ts` imports them at run time. `switchboard/nestjs`
 * does import NestJS, and works without Fastify.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Every module reachable from `entry` by relative imports, with the packages each imports at run time. */
function reachable(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    const text = readFileSync(file, 'utf8');
    const packages: string[] = [];
    seen.set(file, packages);
    for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]/gm)) {
      const [, typeOnly, spec] = m as unknown as [string, string | undefined, string];
      if (typeOnly !== undefined) continue;
      if (!spec.startsWith('.')) {
        packages.push(spec);
        continue;
      }
      let target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      if (!target.endsWith('.ts'))
        target = existsSync(`${target}.ts`) ? `${target}.ts` : `${target}/index.ts`;
      visit(target);
    }
    for (const m of text.matchAll(/^import\s+['"]([^'"]+)['"]/gm)) packages.push(m[1] as string);
  };
  visit(entry);
  return seen;
}

const framework = (spec: string): boolean =>
  spec.startsWith('@nestjs/') || spec === 'fastify' || spec.startsWith('fastify/');

describe('entry points and optional peers', () => {
  it('the main entry imports no NestJS and no Fastify', () => {
    const modules = reachable(`${SRC}index.ts`);
    assert.ok(modules.has(`${SRC}embed/embedded-switchboard.ts`), 'the embedding API is in the main entry');
    assert.ok(modules.has(`${SRC}embed/fastify.ts`), 'the Fastify plugin is in the main entry');
    const offenders = [...modules].filter(([, packages]) => packages.some(framework)).map(([file]) => file);
    assert.deepEqual(offenders, []);
  });

  it('switchboard/nestjs imports NestJS but no Fastify', () => {
    const modules = reachable(`${SRC}embed/nestjs.ts`);
    const packages = [...modules.values()].flat();
    assert.ok(packages.includes('@nestjs/core'));
    assert.ok(!packages.some((p) => p === 'fastify' || p.startsWith('fastify/')));
  });
});
