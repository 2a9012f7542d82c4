/** Starts the `proxy` scenario's application backend (bench/proxy-backend-process.ts) in its own process. */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import type { ServerStats } from './stats.js';

export interface ProxyBackend {
  /** `http://127.0.0.1:<port>`: the proxies are `<url>/connect` and `<url>/rpc`. */
  readonly url: string;
  /** Its own CPU accounting; `conns` are the TCP connections accepted so far. */
  stats(): Promise<ServerStats>;
  stop(): Promise<void>;
}

export async function startProxyBackend(): Promise<ProxyBackend> {
  const child = fork(new URL('proxy-backend-process.ts', import.meta.url).pathname, [], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const kill = () => child.kill('SIGKILL');
  process.on('exit', kill);
  const exited = once(child, 'exit').then(() => {
    process.off('exit', kill);
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.on('message', (msg: { type?: string; port?: number }) => {
      if (msg.type === 'ready') resolve(msg.port ?? 0);
    });
    void exited.then(() => reject(new Error(`proxy backend exited at start (code ${child.exitCode})`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stats() {
      return new Promise<ServerStats>((resolve) => {
        const onMessage = (msg: ServerStats & { type?: string }) => {
          if (msg.type !== 'stats') return;
          child.off('message', onMessage);
          resolve(msg);
        };
        child.on('message', onMessage);
        child.send('stats');
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
