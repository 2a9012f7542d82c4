/**
 * A real Apache Kafka 4 broker for tests, in KRaft combined mode (broker and controller in one JVM,
 * no ZooKeeper), from the jars `scripts/install-kafka.sh` put in `.cache/kafka/libs`. It listens on
 * two free ports on 127.0.0.1 (clients, controller), keeps its log in a temp dir, uses a small heap,
 * and can be killed and restarted on the same ports with its data. A process exit handler SIGKILLs
 * whatever is left. Also: a kafkajs admin/producer for tests, and a reader of a whole topic.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type IHeaders, Kafka, type KafkaMessage, logLevel, Partitioners } from 'kafkajs';
import { freePort } from './ports.js';
import { sleep } from './wait.js';

const execFileAsync = promisify(execFile);
const LIBS = new URL('../../.cache/kafka/libs/', import.meta.url).pathname;
const JVM = [
  '-Xms64m',
  '-Xmx384m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-Djava.awt.headless=true',
];
/** A JVM start on a busy two-core machine. */
export const KAFKA_START_TIMEOUT_MS = 60_000;

const running = new Set<ChildProcess>();
const dirs = new Set<string>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

export interface KafkaBroker {
  readonly port: number;
  /** `127.0.0.1:<port>` */
  readonly address: string;
  /** A kafkajs client for the test's own admin, producer and readers (quiet). */
  readonly client: Kafka;
  /** SIGKILLs the broker, as a crash would; `restart()` brings it back. */
  kill(): Promise<void>;
  /** Kills it if running and starts it again on the same ports with its data. */
  restart(): Promise<void>;
  /** SIGSTOP: connections are accepted, nothing is answered (a broker cut off). */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
  /** Kills it and removes its dir. Idempotent. */
  stop(): Promise<void>;
  createTopic(topic: string, partitions: number): Promise<void>;
  produce(topic: string, messages: TestMessage[]): Promise<void>;
  /** Every message of `topic` from the beginning, once at least `count` are there. */
  readTopic(topic: string, count: number, timeoutMs?: number): Promise<KafkaMessage[]>;
}

export interface TestMessage {
  key?: string;
  value: string | null;
  headers?: IHeaders;
  partition?: number;
}

function properties(dir: string, port: number, controller: number): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=127.0.0.1:${controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=2',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'group.initial.rebalance.delay.ms=0',
    'group.min.session.timeout.ms=2000',
    'auto.create.topics.enable=true',
    'num.network.threads=2',
    'num.io.threads=2',
    'background.threads=2',
    'log.flush.interval.messages=1',
  ].join('\n');
}

class KafkaProcess implements KafkaBroker {
  readonly address: string;
  readonly client: Kafka;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly config: string,
  ) {
    this.address = `127.0.0.1:${port}`;
    this.client = new Kafka({
      clientId: 'test',
      brokers: [this.address],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 2000 },
    });
  }

  async spawn(): Promise<void> {
    const out = openSync(join(this.dir, 'kafka.log'), 'a');
    const child = spawn('java', [...JVM, '-cp', `${LIBS}*`, 'kafka.Kafka', this.config], {
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    this.child = child;
    running.add(child);
    let exited = false;
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        exited = true;
        running.delete(child);
        resolve();
      });
    });
    const deadline = Date.now() + KAFKA_START_TIMEOUT_MS;
    for (;;) {
      if (exited) throw new Error(`Kafka on ${this.address} exited at start: ${this.log()}`);
      if (await this.answers()) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`Kafka on ${this.address} did not answer in time: ${this.log()}`);
      }
      await sleep(250);
    }
  }

  /** Whether the broker answers metadata requests with itself as a live broker. */
  private async answers(): Promise<boolean> {
    const probe = new Kafka({
      clientId: 'probe',
      brokers: [this.address],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 500,
      retry: { retries: 0 },
    }).admin();
    try {
      await probe.connect();
      const { brokers } = await probe.describeCluster();
      return brokers.length > 0;
    } catch {
      return false;
    } finally {
      await probe.disconnect().catch(() => {});
    }
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      child.kill('SIGCONT');
    }
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.spawn();
  }

  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
    dirs.delete(this.dir);
  }

  async createTopic(topic: string, partitions: number): Promise<void> {
    const admin = this.client.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  }

  async produce(topic: string, messages: TestMessage[]): Promise<void> {
    const producer = this.client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages });
    } finally {
      await producer.disconnect();
    }
  }

  async readTopic(topic: string, count: number, timeoutMs = 20_000): Promise<KafkaMessage[]> {
    const consumer = this.client.consumer({ groupId: `reader-${randomBytes(4).toString('hex')}` });
    const got: KafkaMessage[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      let enough!: () => void;
      const done = new Promise<void>((resolve) => {
        enough = resolve;
      });
      await consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message);
          if (got.length >= count) enough();
        },
      });
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([done, late]);
      clearTimeout(timer);
      return got;
    } finally {
      await consumer.disconnect();
    }
  }

  private log(): string {
    try {
      return readFileSync(join(this.dir, 'kafka.log'), 'utf8').slice(-2000);
    } catch {
      return '(no log)';
    }
  }
}

/** Formats a new KRaft log dir and starts a broker on free ports. */
export async function startKafka(): Promise<KafkaBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-kafka-'));
  dirs.add(dir);
  const port = await freePort();
  const controller = await freePort();
  const config = join(dir, 'server.properties');
  writeFileSync(config, properties(dir, port, controller));
  const clusterId = randomBytes(16).toString('base64url');
  await execFileAsync(
    'java',
    [
      ...JVM,
      '-cp',
      `${LIBS}*`,
      'kafka.tools.StorageTool',
      'format',
      // One argument: a base64url id may start with "-", which the tool would read as an option.
      `--cluster-id=${clusterId}`,
      '-c',
      config,
      '--standalone',
    ],
    { timeout: KAFKA_START_TIMEOUT_MS },
  );
  const broker = new KafkaProcess(port, dir, config);
  try {
    await broker.spawn();
  } catch (error) {
    await broker.stop();
    throw error;
  }
  return broker;
}
