/**
 * A raw WebSocket client that writes everything it sends and receives into a {@link Transcript}. It
 * speaks the JSON protocol, or Protobuf for the whole session when the server selected the
 * `centrifuge-protobuf` subprotocol (commands as length-delimited `Command`s, every binary message
 * decoded into its `Reply`s, see protobuf.ts). Waits are bounded: a reply that does not come is
 * recorded as a timeout, so a server that stays silent shows up as a difference instead of hanging
 * the suite. Publications of delta subscriptions are also recorded rebuilt (delta-tracker.ts).
 */
import WebSocket from 'ws';
import { DeltaTracker } from './delta-tracker.js';
import { decodeReplies, encodeCommands, PROTOBUF_PONG, showAll } from './protobuf.js';
import type { CloseInfo, Transcript } from './transcript.js';

/** How long a command waits for its reply, and `recv` for its messages. */
export const REPLY_TIMEOUT_MS = 5000;

/** Options of {@link openClient}. */
export interface OpenOptions {
  /** `Sec-WebSocket-Protocol` values to offer. */
  protocols?: string[];
  /** Record the handshake outcome (selected subprotocol, or the refusal) in the transcript. */
  recordOpen?: boolean;
  /** Answer server pings (`{}`, or an empty Protobuf `Reply`) at once and leave them out of the transcript. */
  autoPong?: boolean;
  /** `protobuf` offers the `centrifuge-protobuf` subprotocol (unless `protocols` is given). */
  encoding?: 'json' | 'protobuf';
}

/** One recorded connection. */
export class Client {
  private readonly queue: unknown[] = [];
  private nextId = 1;
  private closeInfo: CloseInfo | undefined;
  private closeRecorded = false;
  private wake: (() => void) | undefined;
  private readonly deltas = new DeltaTracker();
  /** Whether the session speaks Protobuf: the server selected `centrifuge-protobuf`. */
  readonly protobuf: boolean;

  constructor(
    /** The label naming this connection in the transcript. */
    readonly label: string,
    private readonly ws: WebSocket | undefined,
    private readonly transcript: Transcript,
    autoPong = false,
  ) {
    this.protobuf = ws?.protocol === 'centrifuge-protobuf';
    if (ws === undefined) {
      this.closeInfo = { code: 0, reason: 'not opened' };
      this.closeRecorded = true;
      return;
    }
    ws.on('message', (data, isBinary) => {
      if (isBinary && this.protobuf) {
        for (const reply of decodeReplies(toBytes(data))) {
          if (autoPong && isPing(reply)) ws.send(PROTOBUF_PONG, { binary: true });
          else this.queue.push(reply);
        }
        this.wake?.();
        return;
      }
      for (const line of data.toString().split('\n')) {
        if (line.trim() === '') continue;
        try {
          const message: unknown = JSON.parse(line);
          if (autoPong && isObject(message) && Object.keys(message).length === 0) {
            ws.send('{}');
            continue;
          }
          this.queue.push(message);
        } catch {
          this.queue.push({ unparsable: line });
        }
      }
      this.wake?.();
    });
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      this.wake?.();
    });
    ws.on('error', () => {});
  }

  /** True once the server (or the network) closed the connection. */
  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  /**
   * Sends one command object, or several as one frame: joined by `\n` in JSON, one length-delimited
   * `Command` after another in Protobuf (where bytes fields must be Buffers, see protobuf.ts).
   */
  send(...commands: Record<string, unknown>[]): void {
    for (const command of commands) {
      this.transcript.push({
        at: this.label,
        send: this.protobuf ? { protobuf: showAll(command) } : command,
      });
      this.deltas.sent(command);
    }
    if (this.protobuf) this.binarySend(encodeCommands(commands));
    else this.rawSend(commands.map((c) => JSON.stringify(c)).join('\n'));
  }

  /**
   * Sends Protobuf commands as they are, without recording each one: for frames of many commands,
   * recorded by `note` (the server's answers are recorded as usual).
   */
  sendCommandsQuietly(commands: Record<string, unknown>[], note: string): void {
    this.transcript.push({ at: this.label, sendRaw: `[binary] ${note}` });
    this.binarySend(encodeCommands(commands));
  }

  /** Sends bytes as they are, in a text frame (`binary` false) or a binary frame. */
  sendBytes(bytes: Buffer, binary: boolean, note: string): void {
    this.transcript.push({ at: this.label, sendRaw: `[${binary ? 'binary' : 'text'}] ${note}` });
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(bytes, { binary });
  }

  /** Records a received message, and the publications of delta subscriptions it carries, rebuilt. */
  private record(message: unknown): void {
    this.transcript.push({ at: this.label, recv: message });
    for (const decoded of this.deltas.received(message)) this.transcript.push({ at: this.label, decoded });
  }

  /** Sends text as it is (malformed frames); `binary` sends it as a binary frame. */
  sendRaw(text: string, binary = false): void {
    this.transcript.push({ at: this.label, sendRaw: binary ? `[binary] ${text}` : text });
    this.rawSend(text, binary);
  }

  /** Sends `{id, [method]: params}` with the next id and records everything up to its reply. */
  async cmd(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    this.send({ id, [method]: params });
    return this.until((m) => replyId(m) === id, `reply to ${method} #${id}`);
  }

  /** Takes the next id without sending: for commands written by hand with `send`. */
  takeId(): number {
    return this.nextId++;
  }

  /** Records messages until one carries `id`. */
  reply(id: number): Promise<Record<string, unknown>> {
    return this.until((m) => replyId(m) === id, `reply #${id}`);
  }

  /** Records the next `count` messages, or a timeout after what arrived. */
  async recv(count = 1, timeoutMs = REPLY_TIMEOUT_MS): Promise<unknown[]> {
    const got: unknown[] = [];
    const deadline = Date.now() + timeoutMs;
    while (got.length < count) {
      const next = this.queue.shift();
      if (next !== undefined) {
        this.record(next);
        got.push(next);
        continue;
      }
      if (this.isClosed) {
        this.recordClose();
        break;
      }
      if (!(await this.waitFor(deadline))) {
        this.transcript.push({ at: this.label, timeout: `${count - got.length} more message(s)` });
        break;
      }
    }
    return got;
  }

  /** Waits `ms` and records whatever arrived meanwhile (a close included). */
  async quiet(ms = 200): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    this.flush();
  }

  /** Records what is queued, and the close when the connection is closed. */
  flush(): void {
    for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) this.record(next);
    if (this.isClosed) this.recordClose();
  }

  /** Records messages until the server closes the connection, then the close code and reason. */
  async closed(timeoutMs = REPLY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.flush();
      if (this.isClosed) return;
      if (!(await this.waitFor(deadline))) {
        this.flush();
        this.transcript.push({ at: this.label, timeout: 'close' });
        return;
      }
    }
  }

  /** Closes from the client side (not recorded). */
  async close(): Promise<void> {
    const ws = this.ws;
    if (ws === undefined || this.isClosed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1000);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.close(1000);
    });
  }

  private async until(match: (m: unknown) => boolean, what: string): Promise<Record<string, unknown>> {
    const deadline = Date.now() + REPLY_TIMEOUT_MS;
    for (;;) {
      const next = this.queue.shift();
      if (next !== undefined) {
        this.record(next);
        if (match(next)) return next as Record<string, unknown>;
        continue;
      }
      if (this.isClosed) {
        this.recordClose();
        return {};
      }
      if (!(await this.waitFor(deadline))) {
        this.transcript.push({ at: this.label, timeout: what });
        return {};
      }
    }
  }

  /** Resolves true when something arrived (or the socket closed), false at the deadline. */
  private waitFor(deadline: number): Promise<boolean> {
    const left = deadline - Date.now();
    if (left <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve(false);
      }, left);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(true);
      };
    });
  }

  private recordClose(): void {
    if (this.closeRecorded || this.closeInfo === undefined) return;
    this.closeRecorded = true;
    this.transcript.push({ at: this.label, closed: this.closeInfo });
  }

  private rawSend(text: string, binary = false): void {
    if (this.ws === undefined || this.ws.readyState !== WebSocket.OPEN) {
      this.transcript.push({ at: this.label, timeout: 'send on a closed connection' });
      return;
    }
    this.ws.send(text, { binary });
  }

  private binarySend(bytes: Buffer): void {
    if (this.ws === undefined || this.ws.readyState !== WebSocket.OPEN) {
      this.transcript.push({ at: this.label, timeout: 'send on a closed connection' });
      return;
    }
    this.ws.send(bytes, { binary: true });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The server's Protobuf ping: an empty `Reply`. */
function isPing(reply: unknown): boolean {
  return isObject(reply) && isObject(reply['protobuf']) && Object.keys(reply['protobuf']).length === 0;
}

/** The `id` of a reply, JSON or decoded protobuf. */
function replyId(message: unknown): unknown {
  if (!isObject(message)) return undefined;
  return isObject(message['protobuf']) ? message['protobuf']['id'] : message['id'];
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/**
 * Opens a WebSocket to `url`. A refused handshake is recorded (with `recordOpen` or whenever it
 * fails) and yields a client that is already closed.
 */
export async function openClient(
  url: string,
  label: string,
  transcript: Transcript,
  options: OpenOptions = {},
): Promise<Client> {
  const protocols = options.protocols ?? (options.encoding === 'protobuf' ? ['centrifuge-protobuf'] : []);
  const ws = new WebSocket(url, protocols);
  // A failed handshake may emit more than one error: none of them may go unhandled.
  ws.on('error', () => {});
  const outcome = await new Promise<Record<string, unknown>>((resolve) => {
    ws.once('open', () => resolve({ ok: true, protocol: ws.protocol }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ ok: false, status: res.statusCode });
      res.resume();
      ws.terminate();
    });
    ws.once('error', (err) => resolve({ ok: false, error: err.message }));
  });
  if (options.recordOpen || outcome['ok'] !== true) transcript.push({ at: label, open: outcome });
  return new Client(label, outcome['ok'] === true ? ws : undefined, transcript, options.autoPong);
}
