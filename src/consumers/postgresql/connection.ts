/**
 * One PostgreSQL connection of the outbox consumer (node-postgres `Client`, no pool: each partition
 * worker owns its connection, so its transaction and advisory lock live on it). `lost` aborts once
 * the connection errs or ends, so a worker retrying a message inside its transaction stops waiting
 * for a transaction the server has already rolled back. Errors are always listened to: a dropped
 * connection must never become an uncaught `error` event that ends the node.
 */
import pg from 'pg';

/** How long connecting may take before it counts as a failure (then retried with backoff). */
const CONNECT_TIMEOUT_MS = 5_000;
/** How long `close()` waits for a polite goodbye before it drops the socket. */
const CLOSE_TIMEOUT_MS = 500;

export interface Connection {
  readonly client: pg.Client;
  /** Aborts when the connection is gone (server restarted, network down, closed). */
  readonly lost: AbortSignal;
  /** Ends the connection (the server rolls back an open transaction); never rejects, never hangs. */
  close(): Promise<void>;
}

/** Connects to `dsn`; rejects when the server cannot be reached within the connect timeout. */
export async function openConnection(dsn: string, applicationName: string): Promise<Connection> {
  const client = new pg.Client({
    connectionString: dsn,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    application_name: applicationName,
  });
  const lost = new AbortController();
  let lastError: Error | undefined;
  client.on('error', (error) => {
    lastError = error;
    lost.abort(error);
  });
  client.on('end', () => lost.abort(lastError ?? new Error('connection ended')));
  const close = async (): Promise<void> => {
    lost.abort(new Error('connection closed'));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
    });
    await Promise.race([client.end().catch(() => undefined), timeout]);
    clearTimeout(timer);
  };
  try {
    await client.connect();
  } catch (error) {
    await close();
    throw error;
  }
  return { client, lost: lost.signal, close };
}

/** A one-line reason for `problem()` and logs; never includes the DSN. */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0]);
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const message = error.message !== '' ? error.message : error.name;
    return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
  }
  return String(error);
}

/** Capped exponential backoff for reconnects and failed batches. */
export class Backoff {
  private delay = 0;

  constructor(
    private readonly firstMs = 100,
    private readonly maxMs = 5_000,
  ) {}

  next(): number {
    this.delay = this.delay === 0 ? this.firstMs : Math.min(this.delay * 2, this.maxMs);
    return this.delay;
  }

  reset(): void {
    this.delay = 0;
  }
}
