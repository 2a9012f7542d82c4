/**
 * A server process under test: spawned with a generated config file on a free loopback port, waited
 * for on its health endpoint, and stopped (SIGTERM, then SIGKILL) by the suite.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One of the two implementations the suite compares. */
export type ServerKind = 'centrifugo' | 'switchboard';

/** A running server: where to reach it, and how to stop it. */
export interface ServerProcess {
  kind: ServerKind;
  port: number;
  /** `http://127.0.0.1:PORT` */
  baseUrl: string;
  /** `ws://127.0.0.1:PORT/connection/websocket` */
  wsUrl: string;
  /** The last lines the process wrote (stdout and stderr), for failure messages. */
  output(): string;
  /** SIGTERM, SIGKILL after 3 s; removes the config directory. */
  stop(): Promise<void>;
}

/** Processes still running: killed when the test process exits, whatever happened. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** What {@link startServerProcess} needs to launch one server. */
export interface LaunchSpec {
  kind: ServerKind;
  port: number;
  /** Written as `config.json` in a fresh temporary directory. */
  config: unknown;
  /** The executable and its arguments; `{config}` in an argument is replaced by the file's path. */
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Working directory; the config's temporary directory when unset. */
  cwd?: string;
  /** How long to wait for `GET /health` to answer 200. */
  startTimeoutMs: number;
}

const OUTPUT_LINES = 60;

/** Spawns a server and resolves once its `/health` answers 200; rejects with its output otherwise. */
export async function startServerProcess(spec: LaunchSpec): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), `differential-${spec.kind}-`));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(spec.config, null, 2));
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(
      ...chunk
        .toString()
        .split('\n')
        .filter((l) => l !== ''),
    );
    if (lines.length > OUTPUT_LINES) lines.splice(0, lines.length - OUTPUT_LINES);
  };
  const child = spawn(
    spec.command,
    spec.args.map((a) => a.replace('{config}', file)),
    { cwd: spec.cwd ?? dir, env: spec.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const baseUrl = `http://127.0.0.1:${spec.port}`;
  const output = (): string => lines.join('\n');

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + spec.startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(
        `${spec.kind} exited (${child.exitCode ?? child.signalCode}) while starting:\n${output()}`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${spec.kind} did not answer /health within ${spec.startTimeoutMs} ms:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    kind: spec.kind,
    port: spec.port,
    baseUrl,
    wsUrl: `ws://127.0.0.1:${spec.port}/connection/websocket`,
    output,
    stop,
  };
}
