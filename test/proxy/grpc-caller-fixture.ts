/**
 * What the GrpcProxyCaller suites share (`grpc-caller-*.test.ts`): real @grpc/grpc-js backends on
 * 127.0.0.1 implementing CentrifugoProxy (and SwitchboardUserEvents unless told not to), plain or
 * TLS, that record every call and answer as a test tells them; callers for them; and the
 * {@link ProxyUnavailableError} a failed call rejects with.
 *
 * The backends load `proxy.proto` on their own, with 64-bit integers as strings, so what they
 * receive is checked independently of the caller's loader options.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type sendUnaryData,
  type status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { proxyEndpointSchema } from '../../src/config/proxy-schema.js';
import { ProxyUnavailableError } from '../../src/proxy/caller.js';
import { GrpcProxyCaller } from '../../src/proxy/grpc/grpc-caller.js';
import { proxyProtoPath } from '../../src/proxy/grpc/proxy-definition.js';
import type { TestScope } from '../harness/index.js';

export type Fields = Record<string, unknown>;

export const PACKAGE = 'centrifugal.centrifugo.proxy';
export const TLS_CERT = new URL('../fixtures/tls/localhost.crt', import.meta.url).pathname;
const TLS_KEY = new URL('../fixtures/tls/localhost.key', import.meta.url).pathname;
/** How long a backend takes to restart. */
export const RESTART_MS = 200;

/** The backends' own view of proxy.proto: int64 as strings, bytes as Buffers, only sent fields. */
const backendDefinition = loadSync(proxyProtoPath(), { keepCase: true, longs: String, defaults: false });
const service = (name: string): ServiceDefinition =>
  backendDefinition[`${PACKAGE}.${name}`] as ServiceDefinition;

/** What a backend does with a call: answer with a message, fail with a status, or never answer. */
export type Answer = Fields | { fail: status; details: string } | 'hang';

/** One call as a backend saw it. */
export interface Received {
  method: string;
  request: Fields;
  metadata: Record<string, string | Buffer>;
  /** The call's deadline, ms since the epoch. */
  deadline: number;
  cancelled: boolean;
}

/** A gRPC server implementing CentrifugoProxy (and SwitchboardUserEvents unless told not to). */
export class Backend {
  readonly received: Received[] = [];
  answer: (method: string, request: Fields) => Answer = () => ({});

  private constructor(
    readonly server: Server,
    readonly port: number,
  ) {}

  static async start(options: { port?: number; tls?: boolean; userEvents?: boolean } = {}): Promise<Backend> {
    const server = new Server();
    let backend: Backend | undefined;
    const handler =
      (method: string) =>
      (call: ServerUnaryCall<Fields, Fields>, callback: sendUnaryData<Fields>): void => {
        const deadline = call.getDeadline();
        const seen: Received = {
          method,
          request: call.request,
          metadata: call.metadata.getMap(),
          deadline: typeof deadline === 'number' ? deadline : deadline.getTime(),
          cancelled: false,
        };
        call.on('cancelled', () => {
          seen.cancelled = true;
        });
        backend!.received.push(seen);
        const answer = backend!.answer(method, call.request);
        if (answer === 'hang') return;
        if ('fail' in answer) callback({ code: answer.fail as status, details: answer.details as string });
        else callback(null, answer);
      };
    const implement = (name: string): UntypedServiceImplementation =>
      Object.fromEntries(Object.keys(service(name)).map((method) => [method, handler(method)]));
    server.addService(service('CentrifugoProxy'), implement('CentrifugoProxy'));
    if (options.userEvents !== false) {
      server.addService(service('SwitchboardUserEvents'), implement('SwitchboardUserEvents'));
    }
    const credentials =
      options.tls === true
        ? ServerCredentials.createSsl(
            null,
            [{ private_key: readFileSync(TLS_KEY), cert_chain: readFileSync(TLS_CERT) }],
            false,
          )
        : ServerCredentials.createInsecure();
    backend = new Backend(server, await listen(server, options.port ?? 0, credentials));
    return backend;
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

export function listen(server: Server, port: number, credentials: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, credentials, (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    ),
  );
}

/** A backend stopped at the end of the test. */
export async function backend(t: TestScope, options?: Parameters<typeof Backend.start>[0]): Promise<Backend> {
  return t.defer(await Backend.start(options), (b) => b.stop());
}

/** A caller for `127.0.0.1:port`, closed at the end of the test; `config` as in the config file. */
export function caller(t: TestScope, port: number, config: Fields = {}): GrpcProxyCaller {
  const parsed = proxyEndpointSchema.parse({
    endpoint: `grpc://127.0.0.1:${port}`,
    timeout: '2s',
    ...config,
  });
  return t.defer(new GrpcProxyCaller(parsed, 'test-proxy'), (c) => c.close());
}

/** The {@link ProxyUnavailableError} that `promise` rejects with. */
export async function failure(promise: Promise<unknown>): Promise<ProxyUnavailableError> {
  let caught: unknown;
  await promise.then(
    (value) => assert.fail(`expected a rejection, got ${JSON.stringify(value)}`),
    (error: unknown) => {
      caught = error;
    },
  );
  assert.ok(caught instanceof ProxyUnavailableError, `expected ProxyUnavailableError, got ${String(caught)}`);
  return caught;
}

export const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
