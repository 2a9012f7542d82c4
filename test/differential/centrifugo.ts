/**
 * The reference server: a real Centrifugo v6 process built by `scripts/install-centrifugo.sh`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { centrifugoConfig, type Profile } from './config.js';
import { type ServerProcess, startServerProcess } from './process.js';

/** The Centrifugo release the suite compares against. */
export const CENTRIFUGO_VERSION = '6.9.1';

const repoRoot = new URL('../../', import.meta.url).pathname;

/** Where the binary may be: `CENTRIFUGO_BIN`, the project-local cache, then `$GOPATH/bin`. */
function candidates(): string[] {
  const gopath = process.env['GOPATH'] || join(homedir(), 'go');
  return [
    ...(process.env['CENTRIFUGO_BIN'] ? [process.env['CENTRIFUGO_BIN']] : []),
    join(repoRoot, '.cache', 'centrifugo', 'centrifugo'),
    join(gopath, 'bin', 'centrifugo'),
  ];
}

/** What `centrifugo version` prints, or undefined when it cannot be run. */
function versionOf(path: string): string | undefined {
  try {
    return execFileSync(path, ['version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    return undefined;
  }
}

/**
 * The path of a Centrifugo binary of {@link CENTRIFUGO_VERSION}. Throws, naming the install script,
 * when there is none: the differential suite never skips itself.
 */
export function findCentrifugo(): string {
  const seen: string[] = [];
  for (const path of candidates()) {
    if (!existsSync(path)) continue;
    const version = versionOf(path);
    if (version?.startsWith(`Centrifugo v${CENTRIFUGO_VERSION} `)) return path;
    seen.push(`${path}: ${version ?? 'does not run'}`);
  }
  throw new Error(
    `no Centrifugo v${CENTRIFUGO_VERSION} binary found for the differential suite; ` +
      'run `bash scripts/install-centrifugo.sh` first (it builds one into .cache/centrifugo/)' +
      (seen.length > 0 ? `\nfound, of another version:\n  ${seen.join('\n  ')}` : ''),
  );
}

/** Starts Centrifugo with the profile's config on `port`. */
export function startCentrifugo(binary: string, profile: Profile, port: number): Promise<ServerProcess> {
  return startServerProcess({
    kind: 'centrifugo',
    port,
    config: centrifugoConfig(profile, port),
    command: binary,
    args: ['--config', '{config}'],
    // Only what it needs: no CENTRIFUGO_* variable of the caller may change its settings.
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' },
    startTimeoutMs: 20_000,
  });
}
