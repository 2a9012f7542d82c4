/**
 * Runs the real `deploy/nginx.conf` in front of test nodes: the upstream servers, the listen port and
 * the file paths are rewritten for the test, everything else is the shipped file.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { sleep } from './wait.js';

const shipped = new URL('../../deploy/nginx.conf', import.meta.url).pathname;
/** Debian installs nginx in /usr/sbin, which is not on every PATH. */
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

export interface Nginx {
  port: number;
  wsUrl: string;
  baseUrl: string;
  /** The directory nginx runs in (its config, logs and temp files); removed by `stop`. */
  dir: string;
  stop(): Promise<void>;
}

export interface NginxOptions {
  /** Changes the rendered config (`dir` is nginx's directory, for files such as an access log). */
  edit?(config: string, dir: string): string;
}

/** The shipped config with its upstream pointed at `ports` and its paths inside `dir`. */
export function renderNginxConfig(ports: number[], listen: number, dir: string): string {
  let text = readFileSync(shipped, 'utf8');
  const servers = ports.map((p) => `        server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`).join('\n');
  text = text.replace(/( {8}server 127\.0\.0\.1:\d+ [^\n]*\n)+/, `${servers}\n`);
  text = text.replace(/listen 8000;/, `listen 127.0.0.1:${listen};`);
  text = text.replace(/pid [^;]+;/, `pid ${join(dir, 'nginx.pid')};`);
  text = text.replace(/error_log [^;]+;/, `error_log ${join(dir, 'error.log')} warn;`);
  text = text.replace(/worker_processes auto;/, 'worker_processes 1;\ndaemon off;');
  // Temp paths default to system folders; keep them in the test directory.
  text = text.replace(
    /http \{\n/,
    `http {\n    client_body_temp_path ${dir}/body;\n    proxy_temp_path ${dir}/proxy;\n    fastcgi_temp_path ${dir}/fastcgi;\n    uwsgi_temp_path ${dir}/uwsgi;\n    scgi_temp_path ${dir}/scgi;\n`,
  );
  return text;
}

/** Starts nginx with the shipped config in front of the nodes on `ports`; resolves once `/health` answers. */
export async function startNginx(ports: number[], options: NginxOptions = {}): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-nginx-'));
  mkdirSync(join(dir, 'logs'));
  // nginx workers run as an unprivileged user when the master is root: they must reach the temp paths.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const file = join(dir, 'nginx.conf');
  const config = renderNginxConfig(ports, port, dir);
  writeFileSync(file, options.edit === undefined ? config : options.edit(config, dir));
  const check = spawnSync(NGINX, ['-t', '-q', '-p', dir, '-c', file], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx rejected the config: ${check.stderr}`);
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', file], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const res = await fetch(`${baseUrl}/health`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('nginx did not start');
    await sleep(50);
  }
  return {
    port,
    baseUrl,
    wsUrl: `ws://127.0.0.1:${port}/connection/websocket`,
    dir,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
