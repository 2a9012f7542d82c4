/**
 * The demo's static files: the pages and script under `web/` in the package, and the browser build
 * of the `centrifuge` SDK from its own package (`dist/centrifuge.js`, which sets
 * `globalThis.Centrifuge`). Each file is read once, on its first request.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StaticFile } from '../http/static-file.js';

/** `web/` at the package root: two levels up from both `src/demo/` and `dist/demo/`. */
const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

/** The SDK package's `build/index.js` is its entry point; the browser bundle sits in `dist/`. */
function sdkBundlePath(): string {
  const entry = createRequire(import.meta.url).resolve('centrifuge');
  return join(dirname(entry), '..', 'dist', 'centrifuge.js');
}

const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** URL path → where the file is and its content type. */
const FILES: ReadonlyMap<string, { path: () => string; type: string }> = new Map([
  ['/', { path: () => join(WEB_DIR, 'demo', 'index.html'), type: HTML }],
  ['/demo/chat.js', { path: () => join(WEB_DIR, 'demo', 'chat.js'), type: JS }],
  ['/demo/chat.css', { path: () => join(WEB_DIR, 'demo', 'chat.css'), type: CSS }],
  ['/demo/centrifuge.js', { path: sdkBundlePath, type: JS }],
]);

/** The page `/` shows when the demo is off. */
export const LANDING = { path: () => join(WEB_DIR, 'index.html'), type: HTML };

const cache = new Map<string, Promise<StaticFile>>();

function load(key: string, file: { path: () => string; type: string }): Promise<StaticFile> {
  let asset = cache.get(key);
  if (asset === undefined) {
    asset = readFile(file.path()).then((body) => ({ type: file.type, body }));
    // A failed read is retried on the next request rather than remembered.
    asset.catch(() => cache.delete(key));
    cache.set(key, asset);
  }
  return asset;
}

/** The demo file served at `path`, or undefined when there is none. */
export function demoAsset(path: string): Promise<StaticFile> | undefined {
  const file = FILES.get(path);
  return file === undefined ? undefined : load(path, file);
}

/** The page `/` shows when the demo is off, read once. */
export function landingPage(): Promise<StaticFile> {
  return load('landing', LANDING);
}
