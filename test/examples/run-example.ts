/**
 * Runs an example as its own process, the way a user would: Node with tsx, importing
 * `@switchboard/publisher` by package name (the `switchboard-source` condition resolves it to the
 * sources, so no build is needed). Resolves once the example prints its URL; always killed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface RunningExample {
  url: string;
  /** Everything the example printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export async function startExample(
  entry: string,
  env: Record<string, string>,
  tsconfig?: string,
): Promise<RunningExample> {
  const child = spawn(process.execPath, ['--conditions=switchboard-source', '--import', 'tsx', entry], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      ...(tsconfig === undefined ? {} : { TSX_TSCONFIG_PATH: tsconfig }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start in 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited at start:\n${output}`));
    });
  });
  return {
    url,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
