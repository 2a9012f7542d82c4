/**
 * Starts a real RabbitMQ node (Debian's `rabbitmq-server`, Erlang) for tests, as a child process in
 * its own temp dir: its own node name, AMQP and distribution ports, its own `epmd` on a free port
 * (so it never meets another test's or the system's), no plugins, `HOME` in the dir for the Erlang
 * cookie. Ready once an AMQP connection opens (start-up takes 5–15 s). `stop()` ends it gracefully
 * and removes the dir; `kill()` SIGKILLs it; `restart()` stops it and starts it again with the same
 * ports and data (durable queues and persistent messages survive).
 *
 * Also a few AMQP helpers for suites: publish with confirms, read a queue's messages, count them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChannelModel, connect, type GetMessage, type Options } from 'amqplib';
import { freePort } from './ports.js';
import { sleep } from './wait.js';

const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const EPMD = '/usr/lib/erlang/bin/epmd';
/** Start-up is 5–15 s on an idle machine; two busy cores and other suites may slow it a lot. */
export const RABBITMQ_START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

const running = new Set<ChildProcess>();
const dirs = new Set<string>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

export interface RabbitmqServer {
  readonly port: number;
  /** `amqp://guest:guest@127.0.0.1:<port>/` */
  readonly url: string;
  /** SIGTERM, waits for exit; the data stays for `start()`. */
  shutdown(): Promise<void>;
  /** Starts the node again (same ports, same data) after `shutdown()` or `kill()`. */
  start(): Promise<void>;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** `shutdown()` then `start()`. */
  restart(): Promise<void>;
  /** Stops the node and its epmd, removes the dir. Idempotent. */
  stop(): Promise<void>;
}

/** Starts a RabbitMQ node on free ports; resolves once it accepts AMQP connections. */
export async function startRabbitmq(): Promise<RabbitmqServer> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-rabbitmq-'));
  dirs.add(dir);
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const nodename = `rabbit-${Math.random().toString(36).slice(2, 10)}@localhost`;
  writeFileSync(join(dir, 'enabled_plugins'), '');
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    [
      `listeners.tcp.1 = 127.0.0.1:${port}`,
      'disk_free_limit.absolute = 1MB',
      'log.console = false',
      'log.file.level = info',
      // Tests publish and read small bursts: a small node.
      'vm_memory_high_watermark.relative = 0.6',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    LANG: 'C.UTF-8',
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_NODENAME: nodename,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '+S 2:2 +A 4 -kernel inet_dist_use_interface {127,0,0,1}',
  };
  const url = `amqp://guest:guest@127.0.0.1:${port}/`;

  const epmd = spawn(EPMD, ['-port', String(epmdPort), '-address', '127.0.0.1'], { stdio: 'ignore', env });
  running.add(epmd);
  epmd.once('exit', () => running.delete(epmd));
  let child: ChildProcess | undefined;
  let stopped = false;

  const start = async (): Promise<void> => {
    const out = openSync(join(dir, 'server.out'), 'a');
    const started = spawn(SERVER, [], { cwd: dir, env, stdio: ['ignore', out, out] });
    closeSync(out);
    child = started;
    running.add(started);
    started.once('exit', () => running.delete(started));
    const deadline = Date.now() + RABBITMQ_START_TIMEOUT_MS;
    for (;;) {
      if (started.exitCode !== null || started.signalCode !== null) {
        throw new Error(`rabbitmq-server exited at start (${started.exitCode}): ${tail(dir)}`);
      }
      if (await accepts(url)) return;
      if (Date.now() > deadline) {
        started.kill('SIGKILL');
        throw new Error(`rabbitmq-server did not accept AMQP on ${port}: ${tail(dir)}`);
      }
      await sleep(250);
    }
  };
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const current = child;
    child = undefined;
    if (current === undefined || current.exitCode !== null || current.signalCode !== null) return;
    const exited = once(current, 'exit');
    current.kill(signal);
    const timer = setTimeout(() => current.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  const server: RabbitmqServer = {
    port,
    url,
    shutdown: () => end('SIGTERM'),
    start,
    kill: () => end('SIGKILL'),
    async restart() {
      await end('SIGTERM');
      await start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await end('SIGTERM');
      if (epmd.exitCode === null && epmd.signalCode === null) {
        const exited = once(epmd, 'exit');
        epmd.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
  try {
    await start();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

async function accepts(url: string): Promise<boolean> {
  try {
    const model = await connect(url, { timeout: 1_000 });
    model.on('error', () => {});
    await model.close();
    return true;
  } catch {
    return false;
  }
}

function tail(dir: string): string {
  try {
    return readFileSync(join(dir, 'server.out'), 'utf8').slice(-2000);
  } catch {
    return '(no output)';
  }
}

/** An AMQP connection for a test's publishing and reading; `close()` it. */
export async function amqpClient(url: string): Promise<AmqpClient> {
  const model = await connect(url);
  model.on('error', () => {});
  const channel = await model.createConfirmChannel();
  channel.on('error', () => {});
  return new AmqpClient(model, channel);
}

export class AmqpClient {
  constructor(
    readonly model: ChannelModel,
    readonly channel: Awaited<ReturnType<ChannelModel['createConfirmChannel']>>,
  ) {}

  /**
   * Publishes persistent messages to `queue` and waits for the broker's confirms; `messageIds[i]`,
   * when given, is the `message-id` of `bodies[i]`.
   */
  async send(
    queue: string,
    bodies: (string | Buffer)[],
    options: Options.Publish = {},
    messageIds: string[] = [],
  ): Promise<void> {
    bodies.forEach((body, i) => {
      const id = messageIds[i];
      this.channel.sendToQueue(queue, Buffer.isBuffer(body) ? body : Buffer.from(body), {
        persistent: true,
        ...options,
        ...(id === undefined ? {} : { messageId: id }),
      });
    });
    await this.channel.waitForConfirms();
  }

  /** Takes (and acks) every message now in `queue`. */
  async drain(queue: string): Promise<GetMessage[]> {
    const out: GetMessage[] = [];
    for (;;) {
      const message = await this.channel.get(queue, { noAck: true });
      if (message === false) return out;
      out.push(message);
    }
  }

  /** Ready messages in `queue`. */
  async count(queue: string): Promise<number> {
    return (await this.inspect(queue)).messageCount;
  }

  /** Consumers on `queue`. */
  async consumers(queue: string): Promise<number> {
    return (await this.inspect(queue)).consumerCount;
  }

  /** Checks `queue` on a channel of its own: a missing queue (404) closes only that one. */
  private async inspect(queue: string): Promise<{ messageCount: number; consumerCount: number }> {
    const channel = await this.model.createChannel();
    channel.on('error', () => {});
    try {
      return await channel.checkQueue(queue);
    } finally {
      await channel.close().catch(() => {});
    }
  }

  async close(): Promise<void> {
    await this.model.close().catch(() => {});
  }
}
