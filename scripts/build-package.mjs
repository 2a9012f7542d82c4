#!/usr/bin/env node
// Builds what the `switchboard` package ships (run by `prepack`):
// - dist/: the ES module build with its type declarations (tsc -p tsconfig.build.json);
// - dist-cjs/: a CommonJS build of the library entry points (src/index.ts, src/embed/nestjs.ts) and
//   every module they import, for `require('switchboard')` on Node 20, which cannot require() an ES
//   module. Each file is transpiled alone (the ES build above has type-checked the same sources),
//   `import.meta.url` becomes the CommonJS module's own file URL, and the declarations are those of
//   dist/, read as CommonJS under dist-cjs/package.json's `"type": "commonjs"`.
// dist-cjs/ sits beside dist/ at the same depth, so paths a module finds from its own location
// (`../../web/` from src/demo/ or dist/demo/) hold in both builds.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const require = createRequire(import.meta.url);
const ts = require('typescript');

const SRC = join(root, 'src');
const ESM_OUT = join(root, 'dist');
const CJS_OUT = join(root, 'dist-cjs');
/** The package's `require` entry points, relative to src/ (the ones present are built). */
const ENTRIES = ['index.ts', 'embed/nestjs.ts'];

function fail(message) {
  console.error(`build-package: ${message}`);
  process.exit(1);
}

// 1. A clean ES module build.
rmSync(ESM_OUT, { recursive: true, force: true });
rmSync(CJS_OUT, { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (tsc.status !== 0) fail('tsc -p tsconfig.build.json failed');

// 2. The modules the entry points reach, type-only imports included (their declarations are needed).
function resolveRelative(from, specifier) {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate)) return candidate;
  }
  fail(`${relative(root, from)} imports ${specifier}, which is not a source file`);
}

const reached = new Set();
const queue = ENTRIES.map((entry) => join(SRC, entry)).filter((path) => existsSync(path));
while (queue.length > 0) {
  const file = queue.pop();
  if (reached.has(file)) continue;
  reached.add(file);
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  for (const { fileName } of importedFiles) {
    if (fileName.startsWith('.')) queue.push(resolveRelative(file, fileName));
  }
}

// 3. Each reached module as CommonJS, with the options of the ES build but the module format.
const parsed = ts.getParsedCommandLineOfConfigFile(
  join(root, 'tsconfig.build.json'),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
  },
);
const compilerOptions = {
  ...parsed.options,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  verbatimModuleSyntax: false,
  isolatedModules: true,
  esModuleInterop: true,
  declaration: false,
  sourceMap: false,
  customConditions: undefined,
};

/** `import.meta.url` → `require("node:url").pathToFileURL(__filename).href`; any other `import.meta` fails. */
function importMetaTransformer(file) {
  return (context) => {
    const f = context.factory;
    const visit = (node) => {
      if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) {
        fail(
          `${relative(root, file)}: import.meta is only supported as import.meta.url in the CommonJS build`,
        );
      }
      if (
        ts.isPropertyAccessExpression(node) &&
        ts.isMetaProperty(node.expression) &&
        node.expression.keywordToken === ts.SyntaxKind.ImportKeyword
      ) {
        if (node.name.text !== 'url')
          fail(`${relative(root, file)}: import.meta.${node.name.text} has no CommonJS form`);
        const urlModule = f.createCallExpression(f.createIdentifier('require'), undefined, [
          f.createStringLiteral('node:url'),
        ]);
        const toUrl = f.createCallExpression(
          f.createPropertyAccessExpression(urlModule, 'pathToFileURL'),
          undefined,
          [f.createIdentifier('__filename')],
        );
        return f.createPropertyAccessExpression(toUrl, 'href');
      }
      return ts.visitEachChild(node, visit, context);
    };
    return (source) => ts.visitNode(source, visit);
  };
}

for (const file of reached) {
  const out = join(CJS_OUT, relative(SRC, file)).replace(/\.ts$/, '.js');
  const result = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions,
    fileName: file,
    reportDiagnostics: true,
    transformers: { before: [importMetaTransformer(file)] },
  });
  const errors = (result.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    fail(
      `${relative(root, file)}: ${errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')).join('; ')}`,
    );
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, result.outputText);
}
writeFileSync(join(CJS_OUT, 'package.json'), '{ "type": "commonjs" }\n');

// 4. The declarations, the same as the ES build's: under dist-cjs/ they describe CommonJS modules.
function copyDeclarations(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copyDeclarations(path);
    else if (entry.name.endsWith('.d.ts')) cpSync(path, join(CJS_OUT, relative(ESM_OUT, path)));
  }
}
copyDeclarations(ESM_OUT);

// 5. Files beside the sources that a built module reads at run time.
for (const asset of ['proxy/grpc/proxy.proto']) {
  for (const out of [ESM_OUT, CJS_OUT]) cpSync(join(SRC, asset), join(out, asset));
}
console.log(`build-package: dist/ (ES modules) and dist-cjs/ (${reached.size} CommonJS modules)`);
