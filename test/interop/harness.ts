/**
 * The official Go, Python and Java SDKs as child processes, for the interop suite: each client program
 * (`go/main.go`, `python/client.py`, `java/.../Main.java`, built by
 * `scripts/install-interop-clients.sh`) prints one JSON
 * line per SDK event and runs line commands from stdin; {@link startInteropClient} starts one,
 * keeps its events in order and always kills it at the end (`await using`, or `close()`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, waitFor } from '../harness/index.js';

/** Protocols the suite runs every scenario in. The server speaks Protobuf soon: add `'protobuf'` here then. */
export const ENCODINGS: readonly Encoding[] = ['json', 'protobuf'];

export type Encoding = 'json' | 'protobuf';
export type Sdk = 'go' | 'python' | 'java';

/** The protocols of {@link ENCODINGS} each SDK speaks: centrifuge-java has no JSON protocol. */
export const SDK_ENCODINGS: Readonly<Record<Sdk, readonly Encoding[]>> = {
  go: ENCODINGS,
  python: ENCODINGS,
  java: ['protobuf'],
};

const CACHE = join(ROOT, '.cache/interop');
const INSTALL =
  'run `bash scripts/install-interop-clients.sh` first (it builds the clients into .cache/interop/)';

/** Publication data as a client reports it: the JSON published, or bytes that are not JSON in base64. */
export interface Payload {
  data?: unknown;
  dataBase64?: string;
}

/** What each event line carries besides `event`; every program prints the same lines. */
export interface EventFields {
  started: { sdk: string; version: string; encoding: Encoding };
  connecting: { code: number; reason: string };
  /** `version` is absent from centrifuge-java, whose connected event does not carry it. */
  connected: { client: string; version?: string };
  disconnected: { code: number; reason: string };
  /** An SDK or command error: `code` is the server's error code, `sdkCode` the SDK's own. */
  error: { message: string; code?: number; sdkCode?: number; command?: string; channel?: string };
  subscribing: { channel: string; code: number; reason: string };
  subscribed: {
    channel: string;
    recovered: boolean;
    wasRecovering: boolean;
    recoverable: boolean;
    positioned: boolean;
    offset?: number;
    epoch?: string;
  };
  unsubscribed: { channel: string; code: number; reason: string };
  publication: Payload & { channel: string; offset: number; tags?: Record<string, string> };
  presence: { command: 'presence'; channel: string; clients: { client: string; user: string }[] };
  history: {
    command: 'history';
    channel: string;
    offset: number;
    epoch: string;
    publications: (Payload & { offset: number })[];
  };
  /** A command finished without error. */
  done: { command: string };
}

export type EventName = keyof EventFields;
export type ClientEvent<K extends EventName = EventName> = { [N in K]: { event: N } & EventFields[N] }[K];

export interface InteropOptions {
  /** The node's WebSocket endpoint, `ws://127.0.0.1:PORT/connection/websocket`. */
  url: string;
  token: string;
  /** Subscribed to at start; none when absent. */
  channel?: string;
  encoding: Encoding;
  /** The SDK's minimum reconnect delay (its own default when absent). */
  minReconnectDelayMs?: number;
  /** Delta compression the subscription asks for (`--delta`); none when absent. */
  delta?: 'fossil';
}

/** Programs still running: killed when the test process exits, whatever happened. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** How to run an SDK's program: `built` is the file the install script makes, missing until it ran. */
function command(sdk: Sdk, options: InteropOptions): { file: string; args: string[]; built: string } {
  const args = [`--url=${options.url}`, `--token=${options.token}`, `--encoding=${options.encoding}`];
  if (options.channel !== undefined) args.push(`--channel=${options.channel}`);
  if (options.delta !== undefined) args.push(`--delta=${options.delta}`);
  const delay = options.minReconnectDelayMs;
  if (sdk === 'go') {
    if (delay !== undefined) args.push(`--min-reconnect-delay=${delay}ms`);
    const file = join(CACHE, 'centrifuge-go-client');
    return { file, args, built: file };
  }
  if (sdk === 'java') {
    if (delay !== undefined) args.push(`--min-reconnect-delay-ms=${delay}`);
    // client.args names the classpath and the main class (`java @file`).
    const argFile = join(CACHE, 'java/client.args');
    return { file: 'java', args: [`@${argFile}`, ...args], built: argFile };
  }
  if (delay !== undefined) args.push(`--min-reconnect-delay=${delay / 1000}`);
  const file = join(CACHE, 'venv/bin/python');
  return { file, args: ['-u', join(ROOT, 'test/interop/python/client.py'), ...args], built: file };
}

/** Starts a client program and resolves once it is up (its `started` line); it connects by itself. */
export async function startInteropClient(sdk: Sdk, options: InteropOptions): Promise<InteropClient> {
  const { file, args, built } = command(sdk, options);
  if (!existsSync(built)) throw new Error(`the ${sdk} interop client ${built} is missing: ${INSTALL}`);
  const client = new InteropClient(sdk, spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] }));
  try {
    await client.next('started', { timeoutMs: 15_000 });
  } catch (error) {
    await client.close();
    throw error;
  }
  return client;
}

function isEvent<K extends EventName>(e: { event: EventName }, name: K): e is ClientEvent<K> {
  return e.event === name;
}

interface NextOptions<K extends EventName> {
  /** Only events at this index of {@link InteropClient.events} or later; default 0. */
  from?: number;
  where?: (event: ClientEvent<K>) => boolean;
  timeoutMs?: number;
}

/** A running client program: its events in the order it printed them, and its stdin. */
export class InteropClient implements AsyncDisposable {
  /** Every event line, parsed, in order. */
  readonly events: ClientEvent[] = [];
  /** Lines that were not events (a crash's trace, a stray print), kept for failure messages. */
  readonly unparsed: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #stderr = '';

  constructor(
    readonly sdk: Sdk,
    private readonly child: ChildProcess,
  ) {
    running.add(child);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as ClientEvent);
      } catch {
        this.unparsed.push(line);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr += chunk;
    });
    // A command written after the program died must not crash the test process.
    child.stdin!.on('error', () => {});
    this.exited = new Promise((resolve) => {
      child.on('error', (error) => {
        this.#stderr += `spawn: ${error.message}\n`;
        running.delete(child);
        resolve({ code: null, signal: null });
      });
      child.on('close', (code, signal) => {
        running.delete(child);
        resolve({ code, signal });
      });
    });
  }

  /** The events of one kind, in order. */
  all<K extends EventName>(name: K): ClientEvent<K>[] {
    return this.#matching(name, 0, () => true);
  }

  /** Waits for the first event of a kind (at or after `from`, matching `where`) and resolves with it. */
  async next<K extends EventName>(name: K, options: NextOptions<K> = {}): Promise<ClientEvent<K>> {
    const { from = 0, where = () => true, timeoutMs } = options;
    return this.#explained(() =>
      waitFor(() => this.#matching(name, from, where)[0], {
        message: `${this.sdk} event ${name}`,
        timeoutMs,
      }),
    );
  }

  /** Waits until `probe` holds over the events. */
  async until(probe: () => boolean, message: string, timeoutMs?: number): Promise<void> {
    await this.#explained(() => waitFor(probe, { message: `${this.sdk}: ${message}`, timeoutMs }));
  }

  /**
   * Sends a command line and waits until it finished: resolves with the events it printed (its
   * result, then `done`); rejects with the program's error event when it failed.
   */
  async command(line: string, timeoutMs = 10_000): Promise<ClientEvent[]> {
    const name = line.trim().split(/\s+/)[0]!;
    const from = this.events.length;
    this.child.stdin!.write(`${line}\n`);
    const end = await this.#explained(() =>
      waitFor(
        () =>
          this.events.find(
            (e, i) => i >= from && (e.event === 'done' || e.event === 'error') && e.command === name,
          ),
        { message: `${this.sdk} command ${line}`, timeoutMs },
      ),
    );
    if (end.event === 'error') throw new Error(`${this.sdk} command ${line} failed: ${JSON.stringify(end)}`);
    return this.events
      .slice(from, this.events.indexOf(end))
      .filter((e) => 'command' in e && e.command === name);
  }

  /** Sends a command line and resolves with its result event (`presence`, `history`, ...). */
  async request<K extends EventName>(line: string, result: K, timeoutMs?: number): Promise<ClientEvent<K>> {
    const printed = await this.command(line, timeoutMs);
    const found = printed.find((e) => isEvent(e, result));
    if (found === undefined || !isEvent(found, result))
      throw new Error(`${this.sdk} command ${line} printed no ${result} event`);
    return found;
  }

  /** What the program wrote on stderr so far. */
  stderr(): string {
    return this.#stderr;
  }

  /** Asks the program to quit, kills it when it has not exited within a second. Idempotent. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin!.end('quit\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 1000);
    await this.exited;
    clearTimeout(timer);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #matching<K extends EventName>(
    name: K,
    from: number,
    where: (e: ClientEvent<K>) => boolean,
  ): ClientEvent<K>[] {
    const found: ClientEvent<K>[] = [];
    for (const [i, e] of this.events.entries()) {
      if (i >= from && isEvent(e, name) && where(e)) found.push(e);
    }
    return found;
  }

  /** Runs a wait; on failure, names what the program printed, which says why far better than a timeout. */
  async #explained<T>(wait: () => Promise<T>): Promise<T> {
    try {
      return await wait();
    } catch (error) {
      const tail = this.events.slice(-15).map((e) => JSON.stringify(e));
      const detail = [
        `last events:\n  ${tail.join('\n  ') || '(none)'}`,
        this.unparsed.length > 0 ? `other stdout:\n  ${this.unparsed.slice(-10).join('\n  ')}` : '',
        this.#stderr ? `stderr:\n  ${this.#stderr.slice(-2000)}` : '',
      ].filter(Boolean);
      throw new Error(`${(error as Error).message}\n${detail.join('\n')}`, { cause: error });
    }
  }
}
