/** Shared helpers of the server API tests: raw HTTP calls and SDK clients that are always closed. */
import type { Centrifuge, PublicationContext } from 'centrifuge';
import { collect, connected, newClient, TEST_API_KEY, type TestNode } from '../harness/index.js';

/** A parsed HTTP answer: status, content type and the JSON body (null when it is not JSON). */
export interface RawAnswer {
  status: number;
  contentType: string;
  body: unknown;
}

/** `fetch` against the node with whatever headers/body the test wants; nothing is added. */
export async function rawRequest(node: TestNode, path: string, init: RequestInit = {}): Promise<RawAnswer> {
  const res = await fetch(`${node.baseUrl}${path}`, init);
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Left null: the assertion on the body reports it.
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body };
}

/** A `POST /api/<method>` with the right key, a JSON content type and `body` as given (already text). */
export function postApi(node: TestNode, method: string, body: string, headers: Record<string, string> = {}) {
  return rawRequest(node, `/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY, ...headers },
    body,
  });
}

/** The `error.code` of an API answer, or undefined when it has none. */
export function errorCode(body: unknown): number | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: { code?: unknown } }).error;
  return typeof error?.code === 'number' ? error.code : undefined;
}

/** Asserts the `{"error":{"code","message"}}` shape and returns the code. */
export function apiError(body: unknown): { code: number; message: string } {
  const error = (body as { error?: unknown } | null)?.error;
  if (
    typeof error !== 'object' ||
    error === null ||
    typeof (error as { code?: unknown }).code !== 'number' ||
    typeof (error as { message?: unknown }).message !== 'string'
  ) {
    throw new Error(`expected {"error":{"code","message"}}, got ${JSON.stringify(body)}`);
  }
  return error as { code: number; message: string };
}

/** SDK clients opened by one test file; `closeAll` disconnects every one of them. */
export class Clients {
  private readonly all: Centrifuge[] = [];
  private readonly ids = new Map<Centrifuge, string>();

  constructor(private readonly node: () => TestNode) {}

  /** A client for `user`, not connected yet (to attach listeners first). */
  async create(user: string): Promise<Centrifuge> {
    const node = this.node();
    const client = newClient(node.wsUrl, { token: await node.token(user) });
    client.on('connected', (ctx) => this.ids.set(client, ctx.client));
    this.all.push(client);
    return client;
  }

  /** A connected client for `user`. */
  async connect(user: string): Promise<Centrifuge> {
    const client = await this.create(user);
    client.connect();
    await connected(client);
    return client;
  }

  /** Publications of `channel` as they arrive at a connected `user` subscribed to it. */
  async subscribed(user: string, channel: string): Promise<PublicationContext[]> {
    const client = await this.connect(user);
    const sub = client.newSubscription(channel);
    const got = collect(sub);
    sub.subscribe();
    await sub.ready(3000);
    return got;
  }

  /** The client id the server gave on the latest connect. */
  id(client: Centrifuge): string {
    const id = this.ids.get(client);
    if (id === undefined) throw new Error('client has not connected yet');
    return id;
  }

  closeAll(): void {
    this.ids.clear();
    for (const client of this.all.splice(0)) client.disconnect();
  }
}
