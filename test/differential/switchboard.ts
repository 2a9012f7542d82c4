/**
 * The server under test: a Switchboard node run by the real CLI
 * (`node --import tsx src/cli/main.ts serve --config <file>`).
 */
import { type Profile, switchboardConfig } from './config.js';
import { type ServerProcess, startServerProcess } from './process.js';

const repoRoot = new URL('../../', import.meta.url).pathname;
const mainPath = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/** Starts a Switchboard node with the profile's config on `port`. */
export function startSwitchboard(profile: Profile, port: number): Promise<ServerProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('SWITCHBOARD_')) delete env[key];
  return startServerProcess({
    kind: 'switchboard',
    port,
    config: switchboardConfig(profile, port),
    command: process.execPath,
    args: ['--import', 'tsx', mainPath, 'serve', '--config', '{config}'],
    env,
    // `--import tsx` is resolved from here.
    cwd: repoRoot,
    // tsx compiles the sources at start: slow on a busy two-core machine.
    startTimeoutMs: 60_000,
  });
}
