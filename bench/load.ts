/** The benchmark's side of the load generator: forks it and sends it commands over IPC. */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import type { LoadCommand, LoadResults } from './load-protocol.js';

/** A forked load generator process. */
export interface LoadGenerator {
  run<C extends LoadCommand>(command: C): Promise<LoadResults[C['type']]>;
  stop(): Promise<void>;
}

export async function startLoadGenerator(): Promise<LoadGenerator> {
  const child: ChildProcess = fork(new URL('load-generator.ts', import.meta.url).pathname, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  process.on('exit', () => child.kill('SIGKILL'));
  const exited = once(child, 'exit');
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let started!: () => void;
  const ready = new Promise<void>((r) => {
    started = r;
  });
  child.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
    if (msg.id === 0) {
      started();
      return;
    }
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error !== undefined) p?.reject(new Error(`load generator: ${msg.error}`));
    else p?.resolve(msg.result);
  });
  void exited.then(() => {
    for (const p of pending.values()) p.reject(new Error('load generator exited'));
  });
  await Promise.race([ready, exited.then(() => Promise.reject(new Error('load generator exited at start')))]);
  return {
    run<C extends LoadCommand>(command: C) {
      const id = nextId++;
      return new Promise<LoadResults[C['type']]>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, command });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
