/**
 * The shipped Dockerfile without a Docker engine: it lints clean with dockerfile-utils, is
 * multi-stage (build with every dependency, production dependencies only in the runtime), runs as a
 * non-root user with node as PID 1, and every path it copies exists in the build context or the
 * build output. test/deploy/container.test.ts runs what the runtime stage holds.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, it } from 'node:test';
import { validate } from 'dockerfile-utils';
import { defaultConfig } from '../../src/config/index.js';
import { execForm, type Instruction, readCopy, readDockerfile, stages } from './dockerfile.js';
import { inContext, shippedDockerignore } from './dockerignore.js';
import { BUILD_OUTPUT, workdirOf } from './image-layout.js';
import { ROOT } from './manifests.js';

const text = readDockerfile();
const all = stages(text);
const runtime = all.at(-1)!;
const last = (keyword: string): Instruction | undefined =>
  runtime.instructions.filter((i) => i.keyword === keyword).at(-1);
const runs = (stage: (typeof all)[number]): string[] =>
  stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);

describe('the Dockerfile', () => {
  it('lints clean with dockerfile-utils, which does report a broken file', () => {
    const problems = validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    assert.deepEqual(problems, []);
    const broken = validate('FROM node:20\nCOPY\nEXPOSE port\nHEALTHCHECK CMD\n');
    assert.ok(broken.length >= 2, `problems found in a broken file: ${broken.length}`);
  });

  it('builds with every dependency and runs with production dependencies only, on a slim image', () => {
    assert.ok(all.length >= 2, 'multi-stage');
    const build = all.find((s) => runs(s).some((r) => /\bnpm run build\b/.test(r)));
    assert.ok(build !== undefined, 'a stage runs npm run build');
    assert.ok(
      runs(build).some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r)),
      'the build installs devDependencies (TypeScript) with npm ci',
    );
    const deps = runtime.instructions
      .filter((i) => i.keyword === 'COPY')
      .map(readCopy)
      .find((c) => c.sources.some((s) => s.endsWith('/node_modules')));
    const depsStage = all.find((s) => s.name === deps?.from);
    assert.ok(depsStage !== undefined, 'the runtime copies node_modules from a stage');
    assert.ok(
      runs(depsStage).some((r) => /\bnpm ci\b.*--omit=dev/.test(r)),
      `stage ${depsStage.name} installs with npm ci --omit=dev`,
    );
    assert.notEqual(
      depsStage.name,
      build.name,
      'not the build stage’s node_modules (it has devDependencies)',
    );
    assert.match(runtime.from, /slim|NODE_RUNTIME_IMAGE/);
    const arg = /ARG NODE_RUNTIME_IMAGE=(\S+)/.exec(text)?.[1];
    assert.match(arg ?? '', /^node:20[-.\w]*-slim$/, 'the runtime image is node:20 slim');
    assert.equal(runs(runtime).length, 0, 'the runtime stage installs nothing');
  });

  it('runs as a non-root user, exposes the node port, stops with SIGTERM and runs node as PID 1', () => {
    const user = last('USER')?.args ?? '';
    assert.match(user, /^[1-9]\d*(:\d+)?$/, `USER is a numeric non-root uid: "${user}"`);
    assert.deepEqual(last('EXPOSE')?.args, String(defaultConfig().http_server.port));
    assert.equal(last('STOPSIGNAL')?.args, 'SIGTERM');
    const entrypoint = execForm(last('ENTRYPOINT')?.args ?? '', 'ENTRYPOINT');
    assert.equal(entrypoint[0], 'node', 'node itself, no shell or entrypoint script in between');
    assert.deepEqual(execForm(last('CMD')?.args ?? '', 'CMD'), ['serve']);
    const main = posix.relative(workdirOf(runtime), entrypoint[1]!);
    assert.equal(main, `${BUILD_OUTPUT}/cli/main.js`);
    assert.ok(existsSync(join(ROOT, 'src/cli/main.ts')), 'the build produces it from src/cli/main.ts');
  });

  it('checks /health with node, through a script the image holds', () => {
    const healthcheck = last('HEALTHCHECK')?.args ?? '';
    assert.match(healthcheck, /--interval=\d+s/);
    const command = execForm(healthcheck, 'HEALTHCHECK');
    assert.equal(command[0], 'node', 'slim images have no curl or wget');
    const script = posix.relative(workdirOf(runtime), command[1]!);
    const copied = runtime.instructions
      .filter((i) => i.keyword === 'COPY')
      .map(readCopy)
      .some((c) => c.sources.some((s) => s.endsWith(script)));
    assert.ok(copied, `the runtime stage copies ${script}`);
    assert.match(readFileSync(join(ROOT, script), 'utf8'), /path: '\/health'/);
  });

  it('copies only paths that exist in the build context or the build output', () => {
    const rules = shippedDockerignore();
    const buildOutput = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { outDir: string };
    };
    assert.equal(buildOutput.compilerOptions.outDir, BUILD_OUTPUT, 'npm run build writes dist/');
    let checked = 0;
    for (const stage of all) {
      for (const instruction of stage.instructions.filter((i) => i.keyword === 'COPY')) {
        const copy = readCopy(instruction);
        const from = all.find((s) => s.name === copy.from);
        for (const source of copy.sources) {
          checked++;
          if (from === undefined) {
            // From the context: the path exists and .dockerignore lets it in.
            assert.ok(existsSync(join(ROOT, source)), `line ${copy.line}: ${source} exists`);
            if (source !== '.')
              assert.ok(inContext(source, rules), `line ${copy.line}: ${source} in context`);
            continue;
          }
          const path = posix.relative(workdirOf(from), posix.resolve(workdirOf(from), source));
          if (path === 'node_modules' || path === '') continue;
          if (path === BUILD_OUTPUT) continue;
          assert.ok(existsSync(join(ROOT, path)), `line ${copy.line}: ${path} exists in the repository`);
          assert.ok(inContext(path, rules), `line ${copy.line}: .dockerignore lets ${path} into the build`);
        }
      }
    }
    assert.ok(checked >= 8, `${checked} COPY sources checked`);
  });

  it('needs no workspace package at run time (the runtime stage copies none)', () => {
    const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces?: string[] };
    const names = (root.workspaces ?? []).flatMap((glob) => {
      const parent = join(ROOT, glob.replace(/\/\*$/, ''));
      if (!existsSync(parent)) return [];
      return readdirSync(parent)
        .filter((dir) => existsSync(join(parent, dir, 'package.json')))
        .map(
          (dir) =>
            (JSON.parse(readFileSync(join(parent, dir, 'package.json'), 'utf8')) as { name: string }).name,
        );
    });
    const copied = runtime.instructions
      .filter((i) => i.keyword === 'COPY')
      .flatMap((i) => readCopy(i).sources)
      .some((source) => source.includes('/packages'));
    if (copied) return;
    const importers: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory()) walk(path);
        else if (path.endsWith('.ts')) {
          const text = readFileSync(join(ROOT, path), 'utf8');
          for (const name of names) if (text.includes(`'${name}`)) importers.push(`${path} imports ${name}`);
        }
      }
    };
    walk('src');
    assert.deepEqual(importers, [], `workspace packages ${names.join(', ')} are not in the image`);
  });

  it('keeps local artefacts and secrets out of the build context', () => {
    const rules = shippedDockerignore();
    for (const path of [
      'node_modules/ws/index.js',
      'dist/app.js',
      '.git/HEAD',
      '.env',
      'test/harness/index.ts',
    ]) {
      assert.equal(inContext(path, rules), false, `${path} stays out`);
    }
    for (const path of [
      'package.json',
      'package-lock.json',
      'tsconfig.build.json',
      'src/app.ts',
      'web/index.html',
    ]) {
      assert.equal(inContext(path, rules), true, `${path} is in`);
    }
    assert.equal(inContext('src/admin/web/node_modules/x.js', rules), false, 'nested node_modules stay out');
  });
});
