/**
 * Starts a real PostgreSQL 15 server for tests: `initdb` into a temp dir, then `postgres` on a free
 * port on 127.0.0.1 with its socket in that dir, trust auth, no fsync. PostgreSQL refuses to run as
 * root, so when the tests run as root both run as the `postgres` user (`setpriv`, which execs: the
 * child is the postmaster itself, so its signals reach it). `kill()` is an immediate shutdown
 * (SIGQUIT: no checkpoint, crash recovery on restart; commits are synchronous, so
 * none is lost), `restart()` starts it again on the same port
 * with the same data. A process exit handler ends whatever is left and removes the dirs.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { chown } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports.js';
import { sleep } from './wait.js';

const execFileAsync = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';
/** How long a server may take to accept a query after spawn (initdb not included). */
export const POSTGRES_START_TIMEOUT_MS = 20_000;
const PORT_ATTEMPTS = 4;

const running = new Set<ChildProcess>();
const dirs = new Set<string>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

export interface PostgresServer {
  readonly port: number;
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` */
  readonly dsn: string;
  /** Runs one statement on a fresh connection; resolves with its rows. */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Immediate shutdown (SIGQUIT), as a crash; `restart()` brings it back with its data. */
  kill(): Promise<void>;
  /** Kills it if running and starts it again on the same port with the same data. */
  restart(): Promise<void>;
  /** Kills it and removes its dir. Idempotent. */
  stop(): Promise<void>;
}

/** The uid/gid to run as: `postgres` when we are root, else ourselves. */
async function identity(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number((await execFileAsync('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await execFileAsync('id', ['-g', 'postgres'])).stdout.trim());
  return { uid, gid };
}

function command(
  user: { uid: number; gid: number } | undefined,
  bin: string,
  args: string[],
): [string, string[]] {
  if (user === undefined) return [join(BIN, bin), args];
  return [
    'setpriv',
    [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', join(BIN, bin), ...args],
  ];
}

class Server implements PostgresServer {
  readonly dsn: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly user: { uid: number; gid: number } | undefined,
  ) {
    this.dsn = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  }

  async spawn(): Promise<void> {
    const log = openSync(join(this.dir, 'postgres.log'), 'a');
    const settings = {
      port: String(this.port),
      listen_addresses: '127.0.0.1',
      unix_socket_directories: this.dir,
      fsync: 'off',
      full_page_writes: 'off',
      shared_buffers: '16MB',
      max_connections: '60',
    };
    const args = [
      '-D',
      join(this.dir, 'data'),
      ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ];
    const [file, argv] = command(this.user, 'postgres', args);
    const child = spawn(file, argv, { stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    running.add(child);
    let gone = false;
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        gone = true;
        running.delete(child);
        resolve();
      });
    });
    child.once('error', () => {
      gone = true;
    });
    const deadline = Date.now() + POSTGRES_START_TIMEOUT_MS;
    for (;;) {
      if (gone) throw new Error(`postgres on port ${this.port} exited at start: ${this.log()}`);
      try {
        await this.query('SELECT 1');
        return;
      } catch {
        // Not accepting connections yet.
      }
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`postgres on port ${this.port} did not start: ${this.log()}`);
      }
      await sleep(50);
    }
  }

  async query<R extends pg.QueryResultRow = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
  ): Promise<R[]> {
    const client = new pg.Client({ connectionString: this.dsn, connectionTimeoutMillis: 2000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<R>(sql, params)).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.spawn();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
    dirs.delete(this.dir);
  }

  private log(): string {
    try {
      return readFileSync(join(this.dir, 'postgres.log'), 'utf8').slice(-2000);
    } catch {
      return '(no log)';
    }
  }
}

/** initdb (about a second) and a server on a free port, retrying with a new port if binding fails. */
export async function startPostgres(): Promise<PostgresServer> {
  const user = await identity();
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-pg-'));
  dirs.add(dir);
  if (user !== undefined) await chown(dir, user.uid, user.gid);
  const initdbArgs = ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync'];
  const [file, argv] = command(user, 'initdb', initdbArgs);
  await execFileAsync(file, argv, { env: { ...process.env, LC_ALL: 'C' } });
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const server = new Server(await freePort(), dir, user);
    try {
      await server.spawn();
      return server;
    } catch (error) {
      lastError = error;
      await server.kill();
    }
  }
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
  throw lastError;
}
