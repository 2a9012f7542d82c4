/**
 * Headless Chromium for browser tests: Debian's `chromium` driven by `playwright-core` (no browser
 * download). Screenshots go to `test-artifacts/`, which is kept out of git.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Flags for a sandbox without network: no sandbox (root), no GPU, no background requests. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Launches headless Chromium; `playwright-core` is loaded on the first launch, not with the harness. */
export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS });
}

/** Where a test keeps a screenshot or other artifact: `test-artifacts/<name>`. */
export function artifactPath(name: string): string {
  const dir = new URL('../../test-artifacts/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
