/**
 * A WebSocket client for fuzzing a node: sends anything (text or binary, valid or not), records
 * every reply by id, every server line that is not a JSON object, and how the connection ended.
 */
import WebSocket from 'ws';

export type Reply = Record<string, unknown>;

export class FuzzClient {
  readonly replies = new Map<number, Reply>();
  /** Pushes (`{"push":...}`), in order. */
  readonly pushes: Reply[] = [];
  /** Server lines that are not JSON objects: always a defect. */
  readonly garbage: string[] = [];
  /** Whether a successful connect reply has been seen (from any command on this connection). */
  connected = false;
  /**
   * Whether a connect was answered with an error before any succeeded: the server then reads
   * nothing more from this socket (as Centrifugo does) and drops it a few seconds later.
   */
  refused = false;
  /** Ids of the connect commands sent, to tell their error replies. */
  private readonly connectIds = new Set<number>();
  closed: { code: number; reason: string } | null = null;
  private changed: (() => void) | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.onMessage(data.toString()));
    ws.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString() };
      this.changed?.();
    });
    ws.on('error', () => {});
  }

  static async open(url: string): Promise<FuzzClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 10_000 });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new FuzzClient(ws);
  }

  get isOpen(): boolean {
    return this.closed === null && this.ws.readyState === WebSocket.OPEN;
  }

  /** Notes that the command with this id is a connect. */
  markConnect(id: number): void {
    this.connectIds.add(id);
  }

  send(data: string | Buffer, binary = false): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data, { binary });
  }

  /** Resolves once `done` holds, the connection closed or its connect was refused; rejects after `timeoutMs`. */
  async until(done: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (done() || this.closed !== null || this.refused) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.changed = null;
        reject(new Error(`no ${what} within ${timeoutMs} ms and the connection is still open`));
      }, timeoutMs);
      this.changed = () => {
        if (!done() && this.closed === null && !this.refused) return;
        clearTimeout(timer);
        this.changed = null;
        resolve();
      };
    });
  }

  terminate(): void {
    this.ws.terminate();
  }

  private onMessage(text: string): void {
    for (const line of text.split('\n')) {
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        this.garbage.push(line);
        continue;
      }
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
        this.garbage.push(line);
        continue;
      }
      const reply = msg as Reply;
      if (typeof reply['id'] === 'number') this.replies.set(reply['id'], reply);
      if (reply['push'] !== undefined) this.pushes.push(reply);
      if (typeof reply['connect'] === 'object' && reply['connect'] !== null) this.connected = true;
      const id = reply['id'];
      if (
        !this.connected &&
        reply['error'] !== undefined &&
        typeof id === 'number' &&
        this.connectIds.has(id)
      ) {
        this.refused = true;
      }
    }
    this.changed?.();
  }
}
