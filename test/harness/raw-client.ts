/** A raw WebSocket speaking the JSON protocol by hand, for frames the SDK would never send. */
import WebSocket from 'ws';

export interface RawClient {
  ws: WebSocket;
  /** Every decoded reply/push received, in order. */
  received: Record<string, unknown>[];
  send(text: string | Buffer, binary?: boolean): void;
  /** Sends a command and resolves with the reply carrying its id. */
  call(id: number, method: string, params: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export async function rawConnect(url: string, headers: Record<string, string> = {}): Promise<RawClient> {
  const ws = new WebSocket(url, { headers });
  const received: Record<string, unknown>[] = [];
  const waiters = new Map<number, (reply: Record<string, unknown>) => void>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on('message', (data) => {
    for (const line of data.toString().split('\n')) {
      if (line === '') continue;
      const msg = JSON.parse(line) as Record<string, unknown>;
      received.push(msg);
      const id = msg['id'];
      if (typeof id === 'number') waiters.get(id)?.(msg);
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    received,
    closed,
    send: (text, binary = false) => ws.send(text, { binary }),
    call(id, method, params) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply to ${method} #${id}`)), 5000);
        waiters.set(id, (reply) => {
          clearTimeout(timer);
          resolve(reply);
        });
        ws.send(JSON.stringify({ id, [method]: params }));
      });
    },
    close: () => ws.close(),
  };
}

/** The close code of a raw client, failing when it stays open past `timeoutMs`. */
export async function closeCode(client: RawClient, timeoutMs = 3000): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('connection was not closed')), timeoutMs);
  });
  try {
    return (await Promise.race([client.closed, timeout])).code;
  } finally {
    clearTimeout(timer);
  }
}

/** The error code of a reply, if it is an error. */
export function errorCode(reply: Record<string, unknown>): number | undefined {
  const error = reply['error'] as { code?: unknown } | undefined;
  return typeof error?.code === 'number' ? error.code : undefined;
}
