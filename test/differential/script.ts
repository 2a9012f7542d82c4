/**
 * The little language the cases are written in. A case is a function of a {@link Script}: it opens
 * connections, sends frames, waits for replies and calls the server API, and everything it observes
 * lands in the transcript. The same case runs once against each server; the transcripts are then
 * normalized and compared.
 */

import { type Client, type OpenOptions, openClient } from './client.js';
import { API_KEY, type Profile } from './config.js';
import type { ServerProcess } from './process.js';
import { type Claims, sign } from './tokens.js';
import type { Transcript } from './transcript.js';

/** One scripted scenario. */
export interface DiffCase {
  /** Unique; also the key in known-differences.ts. Channel names of the case derive from it. */
  name: string;
  /** The server settings it needs (`main` unless it waits for pings or timeouts). */
  profile?: Profile;
  run(s: Script): Promise<void>;
}

/** Options of {@link Script.api}. */
export interface ApiOptions {
  /** The API key to send; `null` sends none. The servers' key unless given. */
  key?: string | null;
  /** A raw body instead of the JSON of `params`. */
  rawBody?: string;
}

/** What a case can do against the server it runs on. */
export class Script {
  readonly transcript: Transcript = [];
  private readonly clients: Client[] = [];

  constructor(
    private readonly server: ServerProcess,
    /** Unique per case: prefix of its channel names. */
    private readonly slug: string,
    /** Unix seconds shared by both runs of the case, so both get the same tokens. */
    readonly now: number,
  ) {}

  /** A channel of this case: `ns:<case>-suffix`, or `<case>-suffix` without a namespace. */
  channel(namespace: string, suffix = ''): string {
    const local = suffix === '' ? this.slug : `${this.slug}-${suffix}`;
    return namespace === '' ? local : `${namespace}:${local}`;
  }

  /** A connection token for `user` (one hour unless `claims` set `exp`); `sub` omitted when undefined. */
  token(user: string | undefined, claims: Claims = {}, secret?: string): Promise<string> {
    return sign({ sub: user, exp: this.now + 3600, ...claims }, secret);
  }

  /** Opens a connection labelled `label`. */
  async open(label: string, options: OpenOptions = {}): Promise<Client> {
    const client = await openClient(this.server.wsUrl, label, this.transcript, options);
    this.clients.push(client);
    return client;
  }

  /**
   * Opens a connection and sends `connect` with a token for `user` (and `extra` request fields);
   * `options.encoding: 'protobuf'` speaks Protobuf from the start.
   */
  async connected(
    label: string,
    user = label,
    extra: Record<string, unknown> = {},
    options: OpenOptions = {},
  ): Promise<Client> {
    const client = await this.open(label, options);
    await client.cmd('connect', { token: await this.token(user), ...extra });
    return client;
  }

  /** Calls `POST /api/<method>` and records the status and body. */
  async api(method: string, params: unknown = {}, options: ApiOptions = {}): Promise<unknown> {
    const key = options.key === undefined ? API_KEY : options.key;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key !== null) headers['x-api-key'] = key;
    const res = await fetch(`${this.server.baseUrl}/api/${method}`, {
      method: 'POST',
      headers,
      body: options.rawBody ?? JSON.stringify(params),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = { text: text.trim() };
    }
    this.transcript.push({ api: method, request: options.rawBody ?? params, status: res.status, body });
    return body;
  }

  /** Sends a plain HTTP request to `path` and records the status (and the body, when `withBody`). */
  async http(method: string, path: string, withBody = false): Promise<void> {
    const res = await fetch(`${this.server.baseUrl}${path}`, { method });
    const text = await res.text();
    this.transcript.push({
      api: `${method} ${path}`,
      request: null,
      status: res.status,
      body: withBody ? text.trim() : null,
    });
  }

  /** Waits `ms`. */
  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  /** Records what every connection still has queued (after a short quiet period), then closes them. */
  async finish(): Promise<void> {
    await this.sleep(150);
    for (const client of this.clients) client.flush();
    await Promise.all(this.clients.map((c) => c.close()));
  }
}

/** Runs one case against one server and returns what it observed. */
export async function runCase(testCase: DiffCase, server: ServerProcess, now: number): Promise<Transcript> {
  const slug = testCase.name.replace(/[^A-Za-z0-9_-]+/g, '-');
  const script = new Script(server, slug, now);
  try {
    await testCase.run(script);
  } finally {
    await script.finish();
  }
  return script.transcript;
}
