/**
 * The image's runtime stage run the way a container runtime runs it, without one: the Dockerfile's
 * ENTRYPOINT + CMD in a new PID namespace (so node is PID 1, as in the container) and a new mount
 * namespace whose root filesystem is read-only (as `readOnlyRootFilesystem` makes it), as the
 * image's USER, from the laid-out image directory, with only the environment given (no host
 * SWITCHBOARD_*). Needs root for `unshare --pid --mount`, and util-linux's `unshare` and `setpriv`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { sleep } from '../harness/index.js';
import { execForm, type Instruction, readDockerfile, stages } from './dockerfile.js';
import type { ImageLayout } from './image-layout.js';

/** The runtime stage's last instruction of a kind. */
function runtimeInstruction(keyword: string): Instruction {
  const found = stages(readDockerfile())
    .at(-1)!
    .instructions.filter((i) => i.keyword === keyword)
    .at(-1);
  if (found === undefined) throw new Error(`the Dockerfile's runtime stage has no ${keyword}`);
  return found;
}

/** `setpriv` arguments that drop to the image's USER (`uid[:gid]`). */
function asImageUser(): string[] {
  const [uid, gid = uid] = runtimeInstruction('USER').args.split(':');
  return ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--'];
}

/**
 * `words` run as the image's user in a private mount namespace with `/` remounted read-only (the
 * host's mounts are untouched) and `binds` bind-mounted first; with `pid`, also in a new PID
 * namespace, where the command is PID 1.
 */
function inContainer(words: string[], pid: boolean, binds: ReadonlyArray<[string, string]>): string[] {
  const quote = (path: string): string => `'${path.replaceAll("'", `'\\''`)}'`;
  const mounts = binds.map(([source, target]) => `mount --bind ${quote(source)} ${quote(target)} && `);
  return [
    'unshare',
    '--mount',
    '--propagation',
    'private',
    ...(pid ? ['--pid', '--fork', '--kill-child'] : []),
    'sh',
    '-c',
    `${mounts.join('')}mount -o remount,bind,ro / && exec "$@"`,
    'container',
    ...asImageUser(),
    ...words,
  ];
}

/** The image's ENTRYPOINT + CMD, paths inside the image mapped into the layout. */
export function containerCommand(layout: ImageLayout): string[] {
  const entrypoint = execForm(runtimeInstruction('ENTRYPOINT').args, 'ENTRYPOINT');
  const cmd = execForm(runtimeInstruction('CMD').args, 'CMD');
  return [...entrypoint, ...cmd].map((word) => layout.local(word));
}

/** The image's HEALTHCHECK command, mapped into the layout. */
export function healthcheckCommand(layout: ImageLayout): string[] {
  return execForm(runtimeInstruction('HEALTHCHECK').args, 'HEALTHCHECK').map((w) => layout.local(w));
}

/** The environment of a container: PATH, and what the image and the test set. */
function containerEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'], NODE_ENV: 'production', ...env };
}

/** Runs the image's HEALTHCHECK command as the image's user; resolves with its exit code. */
export async function runHealthcheck(
  layout: ImageLayout,
  env: Record<string, string>,
): Promise<{ code: number | null; ms: number }> {
  // As Docker runs it: inside the container, as its user, on its read-only root.
  const [command, ...args] = inContainer(healthcheckCommand(layout), false, layout.binds);
  const started = performance.now();
  const child = spawn(command!, args, { cwd: layout.dir, env: containerEnv(env), stdio: 'ignore' });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, ms: performance.now() - started };
}

export interface ContainerProcess {
  /** The `unshare` process; its exit code is node's. */
  child: ChildProcess;
  /** node's process id on this machine (it is 1 in its own namespace). */
  pid: number;
  baseUrl: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends SIGTERM to node, as `docker stop` or the kubelet does. */
  terminate(): void;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/** Running containers: killed when the test process exits, whatever happened. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** node's pid: the child `unshare --fork` started, once `sh` and `setpriv` have become node. */
async function nodePid(child: ChildProcess): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
      const pid = Number(children.split(' ')[0]);
      if (pid > 0 && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'node') return pid;
    } catch {
      // not started yet
    }
    if (child.exitCode !== null) throw new Error(`the container exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('node did not start in the container');
    await sleep(20);
  }
}

/** An HTTP(S) GET of `url` that accepts the test certificate; resolves with the status. */
function getStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const req = get(url, { rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}

/** Starts the image's command with `env` on `port`; resolves once /health answers. */
export async function startContainer(
  layout: ImageLayout,
  env: Record<string, string>,
  port: number,
  scheme: 'http' | 'https' = 'http',
): Promise<ContainerProcess> {
  const [command, ...words] = inContainer(containerCommand(layout), true, layout.binds);
  const child = spawn(command!, words, {
    cwd: layout.dir,
    env: containerEnv(env),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  running.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const pid = await nodePid(child);
  const baseUrl = `${scheme}://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await getStatus(`${baseUrl}/health`)) === 200) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`the container exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('the node in the container did not answer /health');
    await sleep(50);
  }
  const terminate = (): void => {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  return {
    child,
    pid,
    baseUrl,
    exited,
    terminate,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        terminate();
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
