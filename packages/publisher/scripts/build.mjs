#!/usr/bin/env node
// Builds the package (run by `prepack`): dist/esm/ (ES modules) and dist/cjs/ (CommonJS, read as
// such under dist/cjs/package.json's `"type": "commonjs"`), each with its type declarations.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(join(dir, 'dist'), { recursive: true, force: true });
for (const config of ['tsconfig.build.json', 'tsconfig.cjs.json']) {
  const run = spawnSync(process.execPath, [tsc, '-p', config], { cwd: dir, stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`@switchboard/publisher: tsc -p ${config} failed`);
    process.exit(1);
  }
}
writeFileSync(join(dir, 'dist', 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
console.log('@switchboard/publisher: dist/esm/ and dist/cjs/ built');
