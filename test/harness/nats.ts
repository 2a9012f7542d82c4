/**
 * A real `nats-server` with JetStream for tests: its own temp store dir, a client port and a
 * monitoring port (free ports on 127.0.0.1), ready once `/healthz` answers 200. It can be killed
 * (SIGKILL) and restarted on the same ports with the same store (JetStream's file store keeps
 * streams, consumers and their acknowledgements). Also the few JetStream client helpers the
 * consumer tests share: a stream, commands published into it, and a stream's stored messages.
 * A process exit handler SIGKILLs whatever is left.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  type StoredMsg,
} from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { freePort } from './ports.js';
import { sleep } from './wait.js';

const NATS_SERVER = '/usr/sbin/nats-server';
const START_TIMEOUT_MS = 15_000;

const running = new Set<ChildProcess>();
const dirs = new Set<string>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

export interface NatsServer {
  readonly port: number;
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly monitorPort: number;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Kills it if running and starts it again on the same ports with the same store. */
  restart(): Promise<void>;
  /** Kills it and removes its store. Idempotent. */
  stop(): Promise<void>;
}

/** Starts `nats-server -js` and resolves once its health endpoint answers 200. */
export async function startNats(): Promise<NatsServer> {
  const port = await freePort();
  const monitorPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `switchboard-nats-${port}-`));
  dirs.add(dir);
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stopped = false;

  const spawnServer = async (): Promise<void> => {
    const args = ['-js', '-sd', dir, '-p', String(port), '-a', '127.0.0.1', '-m', String(monitorPort)];
    const c = spawn(NATS_SERVER, [...args, '-l', join(dir, 'nats.log')], { stdio: 'ignore' });
    child = c;
    running.add(c);
    let gone = false;
    exited = new Promise((resolve) =>
      c.once('exit', () => {
        gone = true;
        running.delete(c);
        resolve();
      }),
    );
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (gone) throw new Error(`nats-server on port ${port} exited at start: ${log(dir)}`);
      try {
        const res = await fetch(`http://127.0.0.1:${monitorPort}/healthz`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`nats-server on port ${port} not healthy: ${log(dir)}`);
      await sleep(20);
    }
  };
  const kill = async (): Promise<void> => {
    const c = child;
    if (c === undefined) return;
    child = undefined;
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await exited;
  };
  await spawnServer();
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    monitorPort,
    kill,
    async restart() {
      await kill();
      await spawnServer();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill();
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
}

function log(dir: string): string {
  try {
    return readFileSync(join(dir, 'nats.log'), 'utf8').slice(-2000);
  } catch {
    return '(no log)';
  }
}

/** A test's own JetStream client. */
export interface JetStreamHandle {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  close(): Promise<void>;
}

export async function jetStreamClient(url: string): Promise<JetStreamHandle> {
  const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  return {
    nc,
    js: jetstream(nc),
    jsm: await jetstreamManager(nc),
    close: () => nc.close(),
  };
}

/** A file-stored stream capturing `subjects`. */
export async function createStream(jsm: JetStreamManager, name: string, subjects: string[]): Promise<void> {
  await jsm.streams.add({ name, subjects });
}

/** A Centrifugo publish command as a consumer message body. */
export function publishCommand(channel: string, data: unknown): string {
  return JSON.stringify({ method: 'publish', payload: { channel, data } });
}

/**
 * Publishes `body` until JetStream stores it (retried through a broker restart); with a message id
 * a retried publish is stored once (JetStream's duplicate window). `headerValues` become headers.
 */
export async function publishStored(
  js: JetStreamClient,
  subject: string,
  body: string,
  options: { msgID?: string; headerValues?: Record<string, string>; timeoutMs?: number } = {},
): Promise<number> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const h = headers();
  for (const [k, v] of Object.entries(options.headerValues ?? {})) h.set(k, v);
  for (;;) {
    try {
      const ack = await js.publish(subject, body, {
        headers: h,
        timeout: 2_000,
        ...(options.msgID === undefined ? {} : { msgID: options.msgID }),
      });
      return ack.seq;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

/** Every message stored in `stream`, first to last. */
export async function storedMessages(jsm: JetStreamManager, stream: string): Promise<StoredMsg[]> {
  const { state } = await jsm.streams.info(stream);
  const out: StoredMsg[] = [];
  if (state.messages === 0) return out;
  for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
    const msg = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (msg !== null) out.push(msg);
  }
  return out;
}

/** The durable consumer's `num_pending` and `num_ack_pending`. */
export async function consumerState(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
): Promise<{ pending: number; ackPending: number; redelivered: number }> {
  const info = await jsm.consumers.info(stream, durable);
  return { pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered };
}

/** The stream, subjects and durable consumer the consumer tests use. */
export const TEST_STREAM = 'EVENTS';
export const TEST_DURABLE = 'switchboard';

/**
 * A node config (file format) on Redis `redisUrl` with one `nats_jetstream` consumer named `nats`
 * on `natsUrl`, a `room` namespace with history and recovery, and `extra` merged over the section.
 */
export function natsNodeConfig(
  redisUrl: string,
  natsUrl: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    engine: { redis: { address: redisUrl, command_timeout: '1s' } },
    channel: {
      namespaces: [{ name: 'room', history_size: 5000, history_ttl: '600s', force_recovery: true }],
    },
    consumers: [
      {
        name: 'nats',
        enabled: true,
        type: 'nats_jetstream',
        nats_jetstream: {
          url: natsUrl,
          stream_name: TEST_STREAM,
          subjects: ['events.>'],
          durable_consumer_name: TEST_DURABLE,
          deliver_policy: 'all',
          ack_wait: '3s',
          ...extra,
        },
      },
    ],
  };
}

/** The node's `switchboard_consumer_messages_total{consumer="nats",result}` (0 before the first). */
export async function consumerCount(baseUrl: string, result: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('switchboard_consumer_messages_total{') && l.includes(`result="${result}"`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** The node's `switchboard_consumer_lag_messages{consumer="nats"}`, or undefined before it is set. */
export async function consumerLag(baseUrl: string): Promise<number | undefined> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('switchboard_consumer_lag_messages{consumer="nats"}'));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}
