/**
 * nginx running the includable Switchboard configuration (`deploy/nginx/switchboard-upstream.conf`
 * and `switchboard-server.conf`) inside a minimal main config of its own, as an nginx that already
 * serves other sites would include it; the upstream servers and the listen address rewritten for
 * the test, nothing else. Started through the harness's nginx starter.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Nginx, startNginx } from '../harness/index.js';
import { ROOT } from './manifests.js';

export const UPSTREAM_SNIPPET = join(ROOT, 'deploy', 'nginx', 'switchboard-upstream.conf');
export const SERVER_SNIPPET = join(ROOT, 'deploy', 'nginx', 'switchboard-server.conf');

/** The upstream snippet with its `server` lines pointed at `ports`. */
export function renderUpstream(ports: number[]): string {
  const servers = ports.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`).join('\n');
  const text = readFileSync(UPSTREAM_SNIPPET, 'utf8');
  const rendered = text.replace(/( {4}server 127\.0\.0\.1:\d+ [^\n]*\n)+/, `${servers}\n`);
  if (rendered === text)
    throw new Error('switchboard-upstream.conf: no upstream server lines to point at the nodes');
  return rendered;
}

/** The server snippet listening on `listen` of 127.0.0.1. */
export function renderServer(listen: number): string {
  const text = readFileSync(SERVER_SNIPPET, 'utf8');
  const rendered = text.replace(/listen 8000;/, `listen 127.0.0.1:${listen};`);
  if (rendered === text) throw new Error('switchboard-server.conf: no "listen 8000;" to rewrite');
  return rendered;
}

/** Starts nginx with both snippets included in front of `ports`. */
export async function startIncludedNginx(ports: number[]): Promise<Nginx> {
  return startNginx(ports, {
    edit(shipped, dir) {
      const listen = /listen 127\.0\.0\.1:(\d+);/.exec(shipped)?.[1];
      if (listen === undefined) throw new Error('the harness did not render a listen port');
      writeFileSync(join(dir, 'switchboard-upstream.conf'), renderUpstream(ports));
      writeFileSync(join(dir, 'switchboard-server.conf'), renderServer(Number(listen)));
      return [
        'worker_processes 1;',
        'daemon off;',
        `pid ${join(dir, 'nginx.pid')};`,
        `error_log ${join(dir, 'error.log')} warn;`,
        'events { worker_connections 1024; }',
        'http {',
        `    client_body_temp_path ${dir}/body;`,
        `    proxy_temp_path ${dir}/proxy;`,
        `    fastcgi_temp_path ${dir}/fastcgi;`,
        `    uwsgi_temp_path ${dir}/uwsgi;`,
        `    scgi_temp_path ${dir}/scgi;`,
        '    access_log off;',
        `    include ${join(dir, 'switchboard-upstream.conf')};`,
        `    include ${join(dir, 'switchboard-server.conf')};`,
        '}',
        '',
      ].join('\n');
    },
  });
}

/** A file's directives: comments and blank lines dropped, each line trimmed. */
export function directives(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line !== '');
}
