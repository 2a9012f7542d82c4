/**
 * The admin UI's files: its own (`src/admin/web/`, found from the package root, so the same folder
 * serves `tsx` and built runs) and the browser builds of its dependencies from `node_modules`,
 * served under `/admin/vendor/`. Only those files are served (no paths from requests reach the disk);
 * all are read once, at start.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StaticFile } from '../http/static-file.js';

/** `src/admin/static-files.ts` and `dist/admin/static-files.js` both sit two folders below the root. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEB_DIR = join(PACKAGE_ROOT, 'src', 'admin', 'web');

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** URL name under `/admin/vendor/` → package and file inside it. */
const VENDOR_FILES: Record<string, [string, string]> = {
  'preact.mjs': ['preact', 'dist/preact.mjs'],
  'preact-hooks.mjs': ['preact', 'hooks/dist/hooks.mjs'],
  'htm.mjs': ['htm', 'dist/htm.mjs'],
  'uplot.mjs': ['uplot', 'dist/uPlot.esm.js'],
  'uplot.css': ['uplot', 'dist/uPlot.min.css'],
};

const requireHere = createRequire(import.meta.url);

/** The folder of an installed package: up from its entry point to its package.json. */
function packageDir(name: string): string {
  let dir = dirname(requireHere.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || !dir.endsWith(name)) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`package ${name} not found`);
    dir = parent;
  }
  return dir;
}

function load(path: string): StaticFile {
  const ext = path.slice(path.lastIndexOf('.') + 1);
  return { body: readFileSync(path), type: TYPES[ext] ?? 'application/octet-stream' };
}

/** Reads every file the UI needs; throws when one is missing. */
export function loadAdminFiles(): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(WEB_DIR)) {
    if (TYPES[name.slice(name.lastIndexOf('.') + 1)] !== undefined)
      files.set(name, load(join(WEB_DIR, name)));
  }
  const dirs = new Map<string, string>();
  for (const [name, [pkg, file]] of Object.entries(VENDOR_FILES)) {
    if (!dirs.has(pkg)) dirs.set(pkg, packageDir(pkg));
    files.set(`vendor/${name}`, load(join(dirs.get(pkg)!, file)));
  }
  return files;
}

/** `'sha256-…'` of each inline `<script>` of a page (its import map), for the Content-Security-Policy. */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const match of html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)) {
    const content = match[1]!;
    if (content.trim() === '') continue;
    hashes.push(`'sha256-${createHash('sha256').update(content).digest('base64')}'`);
  }
  return hashes;
}
