/**
 * The two packages as users get them: `npm pack` of `switchboard` (its prepack builds dist/ and
 * dist-cjs/) and of `@switchboard/publisher`, both tarballs installed into a fresh project outside
 * the repository, then an ES module and a CommonJS consumer that start a node and publish to it,
 * `tsc` over TypeScript consumers of both formats, and the `switchboard` command from the install.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, freePort, ROOT, waitFor } from '../harness/index.js';
import { CJS_CONSUMER, ESM_CONSUMER, TS_CJS, TS_ESM, tsconfig } from './consumers.js';

const NPM_ENV = {
  ...cleanEnv(),
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
};

function run(command: string, args: string[], cwd: string): { stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd, env: NPM_ENV, encoding: 'utf8', timeout: 180_000 });
  assert.equal(
    result.status,
    0,
    `${command} ${args.join(' ')} (in ${cwd}) failed:\n${result.stdout}\n${result.stderr}`,
  );
  return { stdout: result.stdout, stderr: result.stderr };
}

interface Packed {
  filename: string;
  files: { path: string }[];
}

/** `npm pack --json` prints the lifecycle scripts' output first: the report is the last JSON array. */
function pack(cwd: string, destination: string): Packed {
  const { stdout } = run('npm', ['pack', '--json', '--pack-destination', destination], cwd);
  const start = stdout.lastIndexOf('\n[') + 1;
  const [report] = JSON.parse(stdout.slice(start)) as Packed[];
  assert.ok(report !== undefined, stdout);
  return report;
}

describe('packaging: both packages packed, installed in a fresh project and used', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-pack-'));
  const app = join(dir, 'app');
  let server: Packed;
  let publisher: Packed;

  before(async () => {
    const tarballs = join(dir, 'tarballs');
    mkdirSync(tarballs);
    server = pack(ROOT, tarballs);
    publisher = pack(join(ROOT, 'packages', 'publisher'), tarballs);
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    // The dependencies come from npm's cache, the registry only for what it lacks.
    run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--ignore-scripts',
        join(tarballs, server.filename),
        join(tarballs, publisher.filename),
      ],
      app,
    );
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('the server tarball holds the builds, the web assets and the policy files, and no sources or tests', () => {
    const paths = new Set(server.files.map((f) => f.path));
    for (const path of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli/main.js',
      'dist-cjs/index.js',
      'dist-cjs/index.d.ts',
      'dist-cjs/package.json',
      'dist/proxy/grpc/proxy.proto',
      'web/index.html',
      'web/demo/chat.js',
      'src/admin/web/index.html',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'package.json',
    ]) {
      assert.ok(paths.has(path), `${path} is in the tarball`);
    }
    const unwanted = [...paths].filter(
      (p) =>
        /^(test|bench|scripts|examples|node_modules|packages|docs|deploy)\//.test(p) ||
        p.endsWith('.map') ||
        (p.startsWith('src/') && p.endsWith('.ts')) ||
        p.startsWith('dist/publisher/'),
    );
    assert.deepEqual(unwanted, []);
    const publisherPaths = publisher.files.map((f) => f.path).sort();
    for (const path of [
      'dist/esm/index.js',
      'dist/esm/index.d.ts',
      'dist/cjs/index.js',
      'dist/cjs/index.d.ts',
    ]) {
      assert.ok(publisherPaths.includes(path), `${path} is in the publisher tarball`);
    }
    for (const path of ['dist/cjs/package.json', 'README.md', 'LICENSE'])
      assert.ok(publisherPaths.includes(path));
  });

  for (const [format, file, source, switchboardEntry, publisherEntry] of [
    ['ES module', 'consumer.mjs', ESM_CONSUMER, 'dist/index.js', 'dist/esm/index.js'],
    ['CommonJS', 'consumer.cjs', CJS_CONSUMER, 'dist-cjs/index.js', 'dist/cjs/index.js'],
  ] as const) {
    it(`a ${format} consumer starts a node, fetches /health and publishes through the publisher`, () => {
      writeFileSync(join(app, file), source);
      const { stdout } = run(process.execPath, [file], app);
      const report = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
      assert.equal(report['version'], '0.1.0');
      assert.equal(report['createNode'], 'function');
      assert.equal(report['health'], 200);
      assert.equal(report['offset'], 1);
      assert.deepEqual(report['data'], [{ n: 1 }]);
      assert.deepEqual(report['attempts'], ['ok', 'ok']);
      assert.equal(report['refused'], 'api 101');
      // The main entry loads without NestJS, an optional peer the project did not install.
      assert.equal(report['nestjs'], 'not installed');
      assert.match(
        String(report['switchboard']),
        new RegExp(`node_modules/switchboard/${switchboardEntry}$`),
      );
      assert.match(
        String(report['publisher']),
        new RegExp(`node_modules/@switchboard/publisher/${publisherEntry}$`),
      );
    });
  }

  it('tsc (module nodenext) type-checks an ES module and a CommonJS TypeScript consumer of both', () => {
    const types = join(app, 'types');
    mkdirSync(types);
    writeFileSync(join(types, 'consumer.mts'), TS_ESM);
    writeFileSync(join(types, 'consumer.cts'), TS_CJS);
    writeFileSync(join(types, 'tsconfig.json'), tsconfig(join(ROOT, 'node_modules', '@types')));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const { stdout } = run(process.execPath, [tsc, '-p', types, '--listFiles'], types);
    // Each format read its own declarations.
    for (const declarations of [
      'node_modules/switchboard/dist/index.d.ts',
      'node_modules/switchboard/dist-cjs/index.d.ts',
      'node_modules/@switchboard/publisher/dist/esm/index.d.ts',
      'node_modules/@switchboard/publisher/dist/cjs/index.d.ts',
    ]) {
      assert.ok(stdout.includes(declarations), `tsc read ${declarations}`);
    }
  });

  it('switchboard/nestjs loads in each format once the project installs NestJS, its optional peer', () => {
    // The versions the repository uses, so that npm's cache has them.
    const version = (name: string) =>
      (
        JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
    const peers = ['@nestjs/common', '@nestjs/core', 'reflect-metadata', 'rxjs'];
    run(
      'npm',
      ['install', '--prefer-offline', '--ignore-scripts', ...peers.map((p) => `${p}@${version(p)}`)],
      app,
    );
    const probe = (load: string) => `${load}
const forRoot = nestjs.SwitchboardGatewayModule.forRoot({ config: {} });
console.log(JSON.stringify({ module: forRoot.module.name, global: forRoot.global, exports: forRoot.exports.map((e) => e.name) }));`;
    writeFileSync(
      join(app, 'nestjs.cjs'),
      probe("require('reflect-metadata');\nconst nestjs = require('switchboard/nestjs');"),
    );
    writeFileSync(
      join(app, 'nestjs.mjs'),
      probe("import 'reflect-metadata';\nimport * as nestjs from 'switchboard/nestjs';"),
    );
    for (const file of ['nestjs.cjs', 'nestjs.mjs']) {
      const { stdout } = run(process.execPath, [file], app);
      assert.deepEqual(JSON.parse(stdout.trim()), {
        module: 'SwitchboardGatewayModule',
        global: true,
        exports: ['EmbeddedSwitchboard', 'GatewayNode'],
      });
    }
    writeFileSync(
      join(app, 'resolve-nestjs.mjs'),
      `import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
console.log(require.resolve('switchboard/nestjs'));
console.log(new URL(import.meta.resolve('switchboard/nestjs')).pathname);`,
    );
    const { stdout } = run(process.execPath, ['resolve-nestjs.mjs'], app);
    const [cjs, esm] = stdout.trim().split('\n');
    assert.match(cjs!, /node_modules\/switchboard\/dist-cjs\/embed\/nestjs\.js$/);
    assert.match(esm!, /node_modules\/switchboard\/dist\/embed\/nestjs\.js$/);
  });

  it('npx switchboard: --help, --version, and serve starts a node with its demo and admin pages', async () => {
    const help = run('npx', ['--no-install', 'switchboard', '--help'], app);
    assert.match(help.stdout, /Usage: switchboard <command>/);
    const version = run('npx', ['--no-install', 'switchboard', '--version'], app);
    assert.match(version.stdout, /0\.1\.0/);

    const port = await freePort();
    let output = '';
    const child: ChildProcess = spawn(
      'npx',
      ['--no-install', 'switchboard', 'serve', '--port', String(port)],
      {
        cwd: app,
        env: NPM_ENV,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => (await fetch(`${base}/health`).catch(() => undefined))?.status === 200,
        'the installed node to answer /health',
        30_000,
      );
      // The pages come from web/ and src/admin/web/ in the package, the scripts from its dependencies.
      const demo = await fetch(`${base}/`);
      assert.equal(demo.status, 200, output);
      assert.match(await demo.text(), /<html/i);
      assert.equal((await fetch(`${base}/demo/centrifuge.js`)).status, 200);
      const admin = await fetch(`${base}/admin/`);
      assert.equal(admin.status, 200, output);
      assert.equal((await fetch(`${base}/admin/vendor/preact.mjs`)).status, 200);
      assert.match(output, /listening/);
    } finally {
      // npx runs the command in a child of its own: the whole group is stopped.
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
  });
});
